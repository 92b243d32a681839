"""Native tunnels through the fake Session Manager: real sockets, real boto3, real targets."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import pytest

from ssmgui.core.errors import (
    EndpointRejectedError,
    PortInUseError,
    SessionClosedError,
    SessionStartError,
)
from ssmgui.core.tunnel import port_forwarding_request
from ssmgui.demo.servers.transfer import download, upload
from ssmgui.services.tunnels.engines.native import open_port_tunnel
from ssmgui.ssm.channel import CLIENT_VERSION, DataChannel
from ssmgui.ssm.message import MAX_STREAM_PAYLOAD
from ssmgui.ssm.reliability import RTO_MAX_S
from ssmgui.ssm.session import PortSession
from tests.tunnel_fixtures import (
    CLOSED_PORT,
    DIGEST_PORT,
    LINUX,
    OFFLINE,
    OLD_AGENT,
    World,
    echo_once,
)

KIB = 1 << 10
MIB = 1 << 20


async def test_echo_through_a_mux_tunnel_with_stats(world: World) -> None:
    tunnel = await world.tunnel()
    try:
        assert tunnel.mode == "mux"
        assert await echo_once(tunnel.local_port, b"hello through SSM") == b"hello through SSM"
        stats = tunnel.stats()
        assert (stats.bytes_up, stats.bytes_down, stats.total_connections) == (17, 17, 1)
        session = world.fake.sessions[tunnel.channel.session_id]
        # Above 1.2.331.0 the agent turns smux keepalive off (docs/protocol.md §8): no
        # 30 s mismatch death.
        assert session.client_version == CLIENT_VERSION
        assert session.mode == "mux"
    finally:
        await tunnel.stop()


async def test_listens_on_both_loopbacks_and_nowhere_else(world: World) -> None:
    tunnel = await world.tunnel()
    try:
        if socket.has_ipv6:
            reader, writer = await asyncio.open_connection("::1", tunnel.local_port)
            writer.write(b"v6")
            assert await reader.readexactly(2) == b"v6"
            writer.close()
        addresses = {s.getsockname()[0] for srv in tunnel.listener._servers for s in srv.sockets}
        assert addresses <= {"127.0.0.1", "::1"}
    finally:
        await tunnel.stop()


async def test_a_hundred_concurrent_connections(world: World) -> None:
    tunnel = await world.tunnel()
    try:
        payloads = [bytes([i]) * (1000 + 37 * i) for i in range(100)]
        echoes = await asyncio.gather(*(echo_once(tunnel.local_port, p) for p in payloads))
        assert echoes == payloads
        assert tunnel.stats().total_connections == 100
    finally:
        await tunnel.stop()


@pytest.mark.slow
async def test_64_mib_up_and_down_arrive_intact(world: World) -> None:
    tunnel = await world.tunnel(remote_port=DIGEST_PORT)
    try:
        up = await upload(tunnel.local_port, 64 * MIB)
        down = await download(tunnel.local_port, 64 * MIB)
        assert up.intact and down.intact
        assert down.nbytes == 64 * MIB
    finally:
        await tunnel.stop()


@pytest.mark.parametrize("direction", ["upload", "download"])
@pytest.mark.slow
async def test_a_recycle_mid_transfer_loses_nothing(world: World, direction: str) -> None:
    tunnel = await world.tunnel(remote_port=DIGEST_PORT)
    recycled = asyncio.Event()

    async def recycle_at_a_third(done: int) -> None:
        if done >= 8 * MIB and not recycled.is_set():
            recycled.set()
            await world.fake.recycle(tunnel.channel.session_id)  # close 1000 "Bye"

    try:
        transfer = upload if direction == "upload" else download
        result = await transfer(tunnel.local_port, 24 * MIB, recycle_at_a_third)
        assert recycled.is_set()
        assert result.intact
        assert tunnel.channel.stats.reconnects >= 1
        assert world.fake.sessions[tunnel.channel.session_id].websockets_opened >= 2
    finally:
        await tunnel.stop()


@pytest.mark.slow
async def test_an_abrupt_drop_mid_download_loses_nothing(world: World) -> None:
    tunnel = await world.tunnel(remote_port=DIGEST_PORT)
    dropped = asyncio.Event()

    async def drop_once(done: int) -> None:
        if done >= 4 * MIB and not dropped.is_set():
            dropped.set()
            await world.fake.drop_connection(tunnel.channel.session_id)

    try:
        result = await download(tunnel.local_port, 12 * MIB, drop_once)
        assert dropped.is_set() and result.intact
        assert tunnel.channel.stats.reconnects >= 1
    finally:
        await tunnel.stop()


async def test_lost_acks_both_ways_are_recovered_by_resends(world: World) -> None:
    """Every ack is lost, one direction at a time, for a whole transfer: the data still
    arrives intact (the receiver has it; only its acks went missing), and once acks flow
    again each sender recovers by resending what stayed unacked.

    Loss with probability 1 over a bounded stretch, not a rate: at 2 % a run could end
    before any RTO expired, and the assertion on resends then failed."""
    faults = world.fake.faults
    tunnel = await world.tunnel(remote_port=DIGEST_PORT)
    session = world.fake.sessions[tunnel.channel.session_id]
    try:
        faults.drop_acks_to_client = 1.0
        up = await upload(tunnel.local_port, 2 * MIB)
        await until(lambda: tunnel.channel.stats.resends > 0)
        faults.drop_acks_to_client = 0.0
        # Each unanswered resend doubled the RTO (up to 10 s); new traffic acked at once gives
        # a fresh round-trip sample, which brings it back down, as it would in a live tunnel.
        assert (await upload(tunnel.local_port, 4 * KIB)).intact
        # A resend timer armed before that sample may still run at the backed-off RTO.
        await until(lambda: unacked_upstream(tunnel) == 0, RTO_MAX_S + 10)
        assert up.intact and session.acks_withheld >= 2 * MIB // MAX_STREAM_PAYLOAD

        # The agent resends only its oldest unacked message per 100 ms tick (§5), so the
        # download stays small enough to recover in about half a second.
        faults.drop_acks_from_client = 1.0
        down = await download(tunnel.local_port, 4 * KIB)
        await until(lambda: session.reliability.resends > 0)
        faults.drop_acks_from_client = 0.0
        await until(lambda: not session.reliability.unacked)
        assert down.intact and session.client_acks_ignored > 0
    finally:
        await tunnel.stop()


def unacked_upstream(tunnel: PortSession) -> int:
    """Messages the client still holds for lack of an ack (the channel keeps no stat)."""
    return len(tunnel.channel._outgoing)


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.02)


@pytest.mark.slow
async def test_a_dead_peer_is_detected_by_ping_and_the_session_resumed(world: World) -> None:
    tunnel = await world.tunnel(ping_interval_s=0.2, ping_timeout_s=0.3)
    try:
        world.fake.faults.deaf = True
        await asyncio.sleep(1.0)
        world.fake.faults.deaf = False
        assert await echo_once(tunnel.local_port, b"still here") == b"still here"
        assert tunnel.channel.stats.reconnects >= 1
    finally:
        await tunnel.stop()


async def test_basic_mode_for_old_agents_serves_connections_in_turn(world: World) -> None:
    tunnel = await world.tunnel(instance=OLD_AGENT)
    try:
        assert tunnel.mode == "basic"
        assert world.fake.sessions[tunnel.channel.session_id].mode == "basic"
        assert await echo_once(tunnel.local_port, b"first") == b"first"
        assert await echo_once(tunnel.local_port, b"second") == b"second"
    finally:
        await tunnel.stop()


async def test_a_refused_target_port_is_reported_and_the_tunnel_survives(world: World) -> None:
    tunnel = await world.tunnel(remote_port=CLOSED_PORT)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", tunnel.local_port)
        writer.write(b"anyone?")
        assert await asyncio.wait_for(reader.read(), 10) == b""  # closed on us
        writer.close()
        assert tunnel.stats().target_errors == 1
        assert tunnel.last_target_error is not None
        assert "could not connect to port 81" in tunnel.last_target_error
        assert not tunnel.channel.is_closed
    finally:
        await tunnel.stop()


async def test_channel_closed_ends_the_tunnel_with_the_services_reason(world: World) -> None:
    tunnel = await world.tunnel()
    reason = "Your session timed out due to inactivity and has been terminated."
    await world.fake.end_session(tunnel.channel.session_id, reason)
    error = await asyncio.wait_for(tunnel.wait_closed(), 10)
    assert isinstance(error, SessionClosedError)
    assert reason in error.user_message
    await tunnel.stop()


async def test_stop_terminates_the_session_and_frees_the_port(world: World) -> None:
    tunnel = await world.tunnel()
    port, session_id = tunnel.local_port, tunnel.channel.session_id
    await tunnel.stop()
    assert world.fake.sessions[session_id].terminated
    assert world.fake.live_session_ids() == []
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)


async def test_a_reused_token_is_refused(world: World) -> None:
    endpoint = await world.api.start(port_forwarding_request(LINUX, 7))
    first = DataChannel(endpoint, world.api, world.options())
    await first.open()
    second = DataChannel(endpoint, world.api, world.options())
    with pytest.raises(SessionClosedError, match="refused the session token"):
        await second.open()
    await first.close()


async def test_offline_instance_gives_a_clear_error_and_no_listener(world: World) -> None:
    with pytest.raises(SessionStartError, match="not connected to Session Manager"):
        await world.tunnel(instance=OFFLINE)


async def test_a_busy_local_port_fails_before_any_session(world: World) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        request = port_forwarding_request(LINUX, 7, holder.getsockname()[1])
        with pytest.raises(PortInUseError, match="already in use"):
            await open_port_tunnel(
                world.api, request, local_port=holder.getsockname()[1], options=world.options()
            )
        assert world.fake.sessions == {}
    finally:
        holder.close()


async def test_a_non_aws_stream_url_is_refused_and_the_session_terminated(world: World) -> None:
    request = port_forwarding_request(LINUX, 7)
    with pytest.raises(EndpointRejectedError):
        await open_port_tunnel(world.api, request)  # no allowed_hosts: the fake is not AWS
    assert world.fake.sessions[world.only_session()].terminated


async def test_a_bad_signature_is_refused_at_the_upgrade(world: World) -> None:
    world.fake.credentials = {"AKIADEMOEXAMPLE00001": "a-different-secret"}
    with pytest.raises(SessionStartError, match="HTTP 403"):
        await world.tunnel()


async def test_corrupt_frames_are_dropped_without_harm(world: World) -> None:
    tunnel = await world.tunnel()
    try:
        channel = tunnel.channel
        channel.on_frame(b"\x00\x00\x00\x74short")
        channel.on_frame(bytes(200))
        assert channel.stats.malformed == 2
        assert await echo_once(tunnel.local_port, b"fine") == b"fine"
    finally:
        await tunnel.stop()


async def test_resume_without_a_token_ends_the_tunnel_as_timed_out(world: World) -> None:
    tunnel = await world.tunnel()
    world.fake.resume_returns_no_token.add(tunnel.channel.session_id)
    await world.fake.recycle(tunnel.channel.session_id)
    error = await asyncio.wait_for(tunnel.wait_closed(), 10)
    assert isinstance(error, SessionClosedError)
    assert "timed out" in error.user_message
    await tunnel.stop()


@pytest.mark.slow
async def test_our_client_version_keeps_the_agents_smux_keepalive_off(world: World) -> None:
    # A 1.2.331.0-or-older ClientVersion makes the agent expect smux NOPs and close the
    # session after its keepalive timeout; ours (1.2.764.0) does not (§8).
    world.fake.timing.keepalive_timeout_s = 0.5
    world.fake.timing.keepalive_interval_s = 0.2
    ours = await world.tunnel()
    old = await world.tunnel(client_version="1.2.331.0")
    try:
        error = await asyncio.wait_for(old.wait_closed(), 10)
        assert isinstance(error, SessionClosedError)
        assert not ours.channel.is_closed
        assert await echo_once(ours.local_port, b"alive") == b"alive"
    finally:
        await ours.stop()
        await old.stop()


async def test_access_denied_names_the_action_and_the_document(world: World) -> None:
    world.fake.deny_actions.add("ssm:StartSession")
    with pytest.raises(SessionStartError) as caught:
        await world.tunnel()
    message = caught.value.user_message
    assert "ssm:StartSession" in message and "AWS-StartPortForwardingSession" in message
    assert "ssmgui doctor" in message
