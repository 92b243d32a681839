"""Plugin tunnels through the stub plugin and the fake AWS: real processes, sockets, boto3."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from pathlib import Path

import boto3
import pytest
from botocore.credentials import ReadOnlyCredentials

from ssmgui.core.errors import (
    ConfigurationError,
    PluginFailedError,
    PluginUnsupportedError,
    PortInUseError,
    SessionClosedError,
)
from ssmgui.core.tunnel import SessionRequest, port_forwarding_request
from ssmgui.demo.world import DEMO_SECRET_KEY
from ssmgui.services.aws.transport import route_for
from ssmgui.services.tunnels.engines.plugin.engine import PluginTimings, PluginTunnel
from ssmgui.services.tunnels.engines.plugin.process import PluginProcess
from ssmgui.services.tunnels.session_api import SessionApi
from ssmgui.ssm.channel import StreamEndpoint
from tests.services.tunnels.engines.plugin.conftest import EngineFactory
from tests.tunnel_fixtures import ECHO_PORT, LINUX, World, boto_session, echo_once

LOOPBACK = ("127.0.0.1", "::1")


class RecordingApi(SessionApi):
    """The real SessionApi that also keeps what StartSession answered (the fake's tokens
    are single-use, so the test cannot ask the fake afterwards)."""

    def __init__(self, world: World) -> None:
        session = boto_session()
        client = session.client("ssm", endpoint_url=world.fake.api_url)
        super().__init__(
            client, lambda: frozen(session), "eu-west-1", routes=lambda u: route_for(session, u)
        )
        self.started: list[StreamEndpoint] = []

    async def start(self, request: SessionRequest) -> StreamEndpoint:
        endpoint = await super().start(request)
        self.started.append(endpoint)
        return endpoint


def frozen(session: boto3.Session) -> ReadOnlyCredentials:
    credentials = session.get_credentials()
    assert credentials is not None
    return credentials.get_frozen_credentials()


def live_process(tunnel: PluginTunnel) -> PluginProcess:
    process = tunnel.process
    assert process is not None
    return process


async def open_tunnel(world: World, make_engine: EngineFactory, **kwargs: object) -> PluginTunnel:
    engine = make_engine(**kwargs)
    request = port_forwarding_request(LINUX, ECHO_PORT)
    return await engine.open(world.api, request, local_port=0, bind_hosts=LOOPBACK)


async def test_echo_through_the_plugin_then_a_signal_stop(
    world: World, make_engine: EngineFactory
) -> None:
    tunnel = await open_tunnel(world, make_engine)
    process = live_process(tunnel)
    try:
        assert tunnel.mode == "plugin"
        assert await echo_once(tunnel.local_port, b"via the plugin") == b"via the plugin"
        await asyncio.sleep(0.1)  # the "Connection accepted" line travels through a pipe
        stats = tunnel.stats()
        assert (stats.total_connections, stats.bytes_up, stats.reconnects) == (1, 0, 0)
        assert not world.fake.sessions[tunnel.session_id].terminated
    finally:
        await tunnel.stop()
    # SIGINT to its group: the plugin said so, sent TerminateSession and exited by itself.
    assert process.signal_acknowledged
    assert process.returncode == 0
    assert world.fake.sessions[tunnel.session_id].terminated
    assert world.fake.live_session_ids() == []
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", tunnel.local_port)
    assert await tunnel.wait_closed() is None


async def test_secrets_travel_in_the_environment_only(
    world: World, make_engine: EngineFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ssmgui")  # botocore's own debug log is not ours
    api = RecordingApi(world)
    engine = make_engine()
    request = port_forwarding_request(LINUX, ECHO_PORT)
    tunnel = await engine.open(api, request, local_port=0, bind_hosts=LOOPBACK)
    try:
        (endpoint,) = api.started
        token = endpoint.token_value
        assert len(token) > 40
        cmdline = Path(f"/proc/{live_process(tunnel).pid}/cmdline").read_bytes()
        assert b"AWS_SSM_START_SESSION_RESPONSE" in cmdline  # the variable's name, not value
        assert token.encode() not in cmdline
        assert DEMO_SECRET_KEY.encode() not in cmdline
        # The stub authenticated (SigV4 verified by the fake) with the env credentials.
        assert await echo_once(tunnel.local_port, b"signed") == b"signed"
    finally:
        await tunnel.stop()
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("ssmgui"))
    assert "Port " in ours  # the plugin's lines were logged at all
    assert token not in ours
    assert DEMO_SECRET_KEY not in ours


@pytest.mark.slow
async def test_a_hanging_plugin_times_out_and_leaves_nothing(
    world: World, make_engine: EngineFactory
) -> None:
    timings = PluginTimings(ready_timeout_s=1.5, stop_grace_s=0.5)
    engine = make_engine("hang", timings=timings)
    started = asyncio.get_running_loop().time()
    with pytest.raises(PluginFailedError, match="did not open its port within 2 s"):
        await engine.open(
            world.api, port_forwarding_request(LINUX, 7), local_port=0, bind_hosts=LOOPBACK
        )
    assert asyncio.get_running_loop().time() - started < 6
    assert world.fake.live_session_ids() == []
    assert engine.record.entries() == []  # killed (it ignored SIGINT) and forgotten


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("error", "could not start: stub was told to fail"),
        ("crash", r"exited \(code 2\) before opening its port: panic: runtime error"),
    ],
)
@pytest.mark.slow
async def test_errors_come_from_what_the_plugin_printed(
    world: World, make_engine: EngineFactory, mode: str, expected: str
) -> None:
    engine = make_engine(mode)
    with pytest.raises(PluginFailedError, match=expected):
        await engine.open(
            world.api, port_forwarding_request(LINUX, 7), local_port=0, bind_hosts=LOOPBACK
        )
    assert world.fake.live_session_ids() == []


@pytest.mark.slow
async def test_the_watchdog_restarts_a_deaf_plugin_on_the_same_port(
    world: World, make_engine: EngineFactory, tmp_path: Path
) -> None:
    control = tmp_path / "stub-control"
    tunnel = await open_tunnel(world, make_engine, control=control)
    first_session, port = tunnel.session_id, tunnel.local_port
    try:
        assert await echo_once(port, b"before") == b"before"
        control.write_text("deaf")  # accepted, never served (docs/protocol.md §12)
        for _ in range(100):
            if tunnel.restarts:
                break
            await asyncio.sleep(0.1)
        assert tunnel.restarts == 1
        assert tunnel.session_id != first_session
        assert tunnel.local_port == port
        assert world.fake.sessions[first_session].terminated
        assert await echo_once(port, b"after") == b"after"
        assert tunnel.stats().reconnects == 1
    finally:
        await tunnel.stop()
    assert world.fake.live_session_ids() == []


@pytest.mark.slow
async def test_sigterm_kills_silently_and_the_watchdog_starts_a_new_session(
    world: World, make_engine: EngineFactory
) -> None:
    tunnel = await open_tunnel(world, make_engine)
    first_session = tunnel.session_id
    try:
        os.kill(live_process(tunnel).pid, signal.SIGTERM)
        for _ in range(100):
            if tunnel.restarts:
                break
            await asyncio.sleep(0.1)
        assert tunnel.restarts == 1
        assert world.fake.sessions[first_session].terminated  # by our API call
        assert await echo_once(tunnel.local_port, b"again") == b"again"
    finally:
        await tunnel.stop()


@pytest.mark.slow
async def test_the_service_ending_the_session_ends_the_tunnel_with_its_reason(
    world: World, make_engine: EngineFactory
) -> None:
    tunnel = await open_tunnel(world, make_engine)
    await world.fake.end_session(tunnel.session_id, "Your session timed out due to inactivity.")
    error = await asyncio.wait_for(tunnel.wait_closed(), 10)
    assert isinstance(error, SessionClosedError)
    assert "timed out due to inactivity" in error.user_message
    assert tunnel.restarts == 0
    await tunnel.stop()


async def test_only_loopback_binds_are_possible(world: World, make_engine: EngineFactory) -> None:
    engine = make_engine()
    with pytest.raises(ConfigurationError, match="built-in engine"):
        await engine.open(
            world.api, port_forwarding_request(LINUX, 7), local_port=0, bind_hosts=("0.0.0.0",)
        )
    assert world.fake.sessions == {}


async def test_a_busy_port_fails_before_any_session(
    world: World, make_engine: EngineFactory
) -> None:
    holder = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = holder.sockets[0].getsockname()[1]
    try:
        with pytest.raises(PortInUseError, match=str(port)):
            await make_engine().open(
                world.api, port_forwarding_request(LINUX, 7), local_port=port, bind_hosts=LOOPBACK
            )
        assert world.fake.sessions == {}
    finally:
        holder.close()


async def test_a_fixed_port_is_the_one_the_plugin_opens(
    world: World, make_engine: EngineFactory
) -> None:
    with socket.socket() as finder:
        finder.bind(("127.0.0.1", 0))
        wanted = finder.getsockname()[1]
    tunnel = await make_engine().open(
        world.api, port_forwarding_request(LINUX, 7), local_port=wanted, bind_hosts=LOOPBACK
    )
    try:
        assert tunnel.local_port == wanted
        assert world.fake.sessions[tunnel.session_id].properties["localPortNumber"] == str(wanted)
    finally:
        await tunnel.stop()


@pytest.mark.slow
async def test_an_old_plugin_is_refused_before_any_session(
    world: World, make_engine: EngineFactory
) -> None:
    engine = make_engine(version="1.2.700.0")
    with pytest.raises(
        PluginUnsupportedError, match=r"1\.2\.700\.0; AWS supports 1\.2\.764\.0"
    ) as caught:
        await engine.open(
            world.api, port_forwarding_request(LINUX, 7), local_port=0, bind_hosts=LOOPBACK
        )
    assert caught.value.version == "1.2.700.0"
    assert world.fake.sessions == {}


@pytest.mark.slow
async def test_plugins_of_a_crashed_run_are_reaped_on_the_next_start(
    world: World, make_engine: EngineFactory
) -> None:
    crashed_run = make_engine()
    orphan = await crashed_run.open(
        world.api, port_forwarding_request(LINUX, 7), local_port=0, bind_hosts=LOOPBACK
    )
    orphan_pid = live_process(orphan).pid
    assert [e.pid for e in crashed_run.record.entries()] == [orphan_pid]
    next_run = make_engine()  # same state directory, fresh engine: as after a restart
    assert await next_run.reap_orphans() == [orphan_pid]
    await asyncio.wait_for(live_process(orphan).wait_exit(), 5)
    # Interrupted, so it told the service: the session does not linger until idle timeout.
    assert world.fake.sessions[orphan.session_id].terminated
    assert next_run.record.entries() == []
    await orphan.stop()
