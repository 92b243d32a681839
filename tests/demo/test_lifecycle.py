"""Tokens, SigV4 on the upgrade, session ends, recycle and resume (docs/protocol.md §3, §6,
§9, §11)."""

from __future__ import annotations

import asyncio
import json
import struct
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ssmgui.demo.world import FakeAws
from ssmgui.ssm.message import MessageType, PayloadType
from tests.demo.rawclient import RawClient, signed_headers
from tests.demo.support import ssm_client, start_session


async def _closed_with(client: RawClient) -> tuple[int | None, str | None]:
    with pytest.raises(ConnectionClosed) as info:
        while True:
            await client.recv()
    return info.value.rcvd.code if info.value.rcvd else None, (
        info.value.rcvd.reason if info.value.rcvd else None
    )


async def _channel_closed(client: RawClient) -> dict[str, Any]:
    while True:
        message = await client.recv()
        if message.message_type == MessageType.CHANNEL_CLOSED:
            body: dict[str, Any] = json.loads(message.payload)
            return body
        if message.message_type == MessageType.OUTPUT_STREAM_DATA:
            await client.ack(message)


async def test_token_is_single_use(fake: FakeAws) -> None:
    start = await start_session(fake)
    first = await RawClient.connect(start)
    await first.handshake()
    second = await RawClient.connect(start)
    code, reason = await _closed_with(second)
    assert code == 1003
    assert (
        reason
        == f"Channel {start['SessionId']}: request to open data channel does not contain token."
    )
    await first.close()


async def test_sigv4_verify_accepts_right_and_rejects_wrong_secret(fake: FakeAws) -> None:
    fake.accept_unknown_keys = False
    start = await start_session(fake)
    with pytest.raises(InvalidStatus) as info:
        await RawClient.connect(start, headers=signed_headers(start["StreamUrl"], secret="wrong"))
    assert info.value.response.status_code == 403
    with pytest.raises(InvalidStatus):
        await RawClient.connect(start, headers={})
    with pytest.raises(InvalidStatus):
        headers = signed_headers(start["StreamUrl"], key="AKIDUNKNOWN")
        await RawClient.connect(start, headers=headers)
    client = await RawClient.connect(start)  # correct signature
    await client.handshake()
    await client.close()


async def test_sigv4_off_accepts_unsigned(fake: FakeAws) -> None:
    fake.sigv4 = "off"
    start = await start_session(fake)
    client = await RawClient.connect(start, headers={})
    await client.handshake()
    await client.close()


async def test_terminate_flag_sends_channel_closed(fake: FakeAws) -> None:
    start = await start_session(fake)
    client = await RawClient.connect(start)
    await client.handshake()
    await client.send_input(PayloadType.FLAG, struct.pack(">I", 2))
    body = await _channel_closed(client)
    assert body["SessionId"] == start["SessionId"]
    assert body["MessageType"] == "channel_closed"
    assert fake.sessions[start["SessionId"]].terminated
    assert start["SessionId"] not in fake.live_session_ids()


async def test_end_session_sends_output(fake: FakeAws) -> None:
    start = await start_session(fake)
    client = await RawClient.connect(start)
    await client.handshake()
    await fake.end_session(start["SessionId"])
    body = await _channel_closed(client)
    assert body["Output"] == "Your session timed out due to inactivity and has been terminated."


async def test_terminate_session_api(fake: FakeAws) -> None:
    start = await start_session(fake)
    client = await RawClient.connect(start)
    await client.handshake()
    sid = start["SessionId"]
    answer = await asyncio.to_thread(lambda: ssm_client(fake).terminate_session(SessionId=sid))
    assert answer["SessionId"] == sid
    await _channel_closed(client)
    with pytest.raises(Exception, match="DoesNotExistException"):
        await asyncio.to_thread(lambda: ssm_client(fake).resume_session(SessionId=sid))


async def test_state_survives_recycle_and_resume(fake: FakeAws) -> None:
    start = await start_session(fake)
    sid = start["SessionId"]
    client = await RawClient.connect(start, client_version="1.1.0")
    await client.handshake("1.1.0")
    await client.send_input(PayloadType.OUTPUT, b"before")
    assert await client.collect(6) == b"before"
    session = fake.sessions[sid]
    while session.reliability.unacked:  # our ack of the echo must land before the recycle
        await asyncio.sleep(0.01)
    await fake.recycle(sid)
    code, reason = await _closed_with(client)
    assert (code, reason) == (1000, "Bye")
    assert not session.attached and not session.terminated
    resumed = await asyncio.to_thread(lambda: ssm_client(fake).resume_session(SessionId=sid))
    assert resumed["TokenValue"] and resumed["TokenValue"] != start["TokenValue"]
    client = await RawClient.connect(resumed, client_version="1.1.0")
    client.out_seq = 2  # sequence numbers continue (§6)
    await client.send_input(PayloadType.OUTPUT, b"after")
    data = await client.collect(5)
    assert data == b"after"
    assert session.websockets_opened == 2
    assert fake.sessions[sid].attached  # (indexing: mypy narrowed session.attached above)
    await client.close()


async def test_unacked_output_is_resent_on_resume(fake: FakeAws) -> None:
    start = await start_session(fake)
    sid = start["SessionId"]
    client = await RawClient.connect(start, client_version="1.1.0")
    await client.handshake("1.1.0")
    await client.send_input(PayloadType.OUTPUT, b"lost")
    while True:  # read the ack and the echo but never ack the echo
        message = await client.recv()
        if message.payload_type == PayloadType.OUTPUT:
            break
    await fake.drop_connection(sid)
    resumed = await asyncio.to_thread(lambda: ssm_client(fake).resume_session(SessionId=sid))
    client = await RawClient.connect(resumed)
    again = await client.recv_stream()
    assert (again.sequence_number, again.payload) == (message.sequence_number, b"lost")
    await client.ack(again)
    await client.close()


async def test_resume_without_token(fake: FakeAws) -> None:
    start = await start_session(fake)
    fake.resume_returns_no_token.add(start["SessionId"])
    sid = start["SessionId"]
    resumed = await asyncio.to_thread(lambda: ssm_client(fake).resume_session(SessionId=sid))
    assert resumed["TokenValue"] == ""


@pytest.mark.slow
async def test_deaf_peer_does_not_answer_pings(fake: FakeAws) -> None:
    start = await start_session(fake)
    client = await RawClient.connect(start)
    await client.handshake()
    pong = await client.ws.ping()
    await asyncio.wait_for(pong, 2)
    fake.faults.deaf = True
    pong = await client.ws.ping()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(pong), 0.5)
    fake.faults.deaf = False
    await asyncio.wait_for(pong, 2)  # reading resumes on the next tick
    await client.close()


@pytest.mark.slow
async def test_latency_delays_the_round_trip(fake: FakeAws) -> None:
    fake.faults.latency_s = 0.1
    loop = asyncio.get_running_loop()
    start = await start_session(fake)
    client = await RawClient.connect(start)
    await client.handshake()
    began = loop.time()
    pong = await client.ws.ping()
    await asyncio.wait_for(pong, 2)
    assert loop.time() - began >= 0.19
    await client.close()


@pytest.mark.slow
async def test_keepalive_mismatch_kills_the_session(fake: FakeAws) -> None:
    fake.timing.keepalive_interval_s = 0.1
    fake.timing.keepalive_timeout_s = 0.5
    start = await start_session(fake)
    client = await RawClient.connect(start, client_version="1.2.331.0")
    await client.handshake("1.2.331.0")
    body = await _channel_closed(client)  # NOPs arrive; we never send any frame back
    assert "keepalive" in body["Output"]
    assert fake.sessions[start["SessionId"]].terminated
