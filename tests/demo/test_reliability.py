"""Reliability layer (docs/protocol.md §5): acks, duplicates, reordering, resends, bad frames."""

from __future__ import annotations

import asyncio
import json

from ssmgui.demo.world import FakeAws
from ssmgui.ssm.message import MessageType, PayloadType, encode, stream_message
from ssmgui.ssm.smux import Cmd, encode_data, encode_frame
from tests.demo.rawclient import RawClient
from tests.demo.support import start_session


async def _ready(fake: FakeAws, client_version: str = "1.1.0") -> tuple[RawClient, str]:
    start = await start_session(fake)
    client = await RawClient.connect(start, client_version=client_version)
    await client.handshake(client_version)
    session = fake.sessions[start["SessionId"]]
    while session.reliability.unacked:  # let our handshake acks land before faults start
        await asyncio.sleep(0.01)
    return client, start["SessionId"]


async def _acked_seq(client: RawClient) -> int:
    while True:
        message = await client.recv()
        if message.message_type == MessageType.ACKNOWLEDGE:
            return int(json.loads(message.payload)["AcknowledgedMessageSequenceNumber"])
        await client.ack(message)


async def test_every_message_is_acked_including_duplicates(fake: FakeAws) -> None:
    client, _ = await _ready(fake)
    await client.send_input(PayloadType.OUTPUT, b"a", seq=1)
    assert await _acked_seq(client) == 1
    await client.send_input(PayloadType.OUTPUT, b"a", seq=1)  # duplicate: re-acked
    assert await _acked_seq(client) == 1
    assert await client.collect(1) == b"a"  # delivered once
    await client.close()


async def test_reorder_buffer_delivers_in_order(fake: FakeAws) -> None:
    client, sid = await _ready(fake)  # basic mode: raw bytes to the echo target
    await client.send_input(PayloadType.OUTPUT, b"3", seq=3)
    await client.send_input(PayloadType.OUTPUT, b"2", seq=2)
    assert {await _acked_seq(client), await _acked_seq(client)} == {2, 3}
    assert fake.sessions[sid].bytes_from_client == 0  # gap at seq 1
    await client.send_input(PayloadType.OUTPUT, b"1", seq=1)
    assert await client.collect(3) == b"123"
    await client.close()


async def test_ignored_ack_makes_the_agent_resend_the_head(fake: FakeAws) -> None:
    client, sid = await _ready(fake)
    fake.faults.drop_acks_from_client = 1.0
    await client.send_input(PayloadType.OUTPUT, b"x", seq=1)
    first = await client.recv_stream()
    await client.ack(first)
    again = await client.recv_stream(timeout=2.0)  # after ~200 ms RTO, on the 100 ms tick
    assert again.sequence_number == first.sequence_number
    assert again.message_id == first.message_id
    fake.faults.drop_acks_from_client = 0.0
    await client.ack(again)
    session = fake.sessions[sid]
    assert session.client_acks_ignored >= 1
    assert session.reliability.resends >= 1
    await client.close()


async def test_withheld_ack_then_client_resend_is_acked(fake: FakeAws) -> None:
    client, sid = await _ready(fake)
    fake.faults.drop_acks_to_client = 1.0
    await client.send_input(PayloadType.OUTPUT, b"y", seq=1)
    assert await client.collect(1) == b"y"  # delivered, but not acked
    fake.faults.drop_acks_to_client = 0.0
    await client.send_input(PayloadType.OUTPUT, b"y", seq=1)  # the client's resend
    assert await _acked_seq(client) == 1
    assert fake.sessions[sid].acks_withheld == 1
    await client.close()


async def test_bad_frames_are_counted_and_dropped(fake: FakeAws) -> None:
    client, sid = await _ready(fake)
    await client.ws.send(b"\x00\x00\x00\x74short")  # truncated header
    message = stream_message(MessageType.INPUT_STREAM_DATA, 1, PayloadType.OUTPUT, b"good")
    frame = bytearray(encode(message))
    frame[-1] ^= 0xFF  # digest mismatch
    await client.ws.send(bytes(frame))
    await client.ws.send(b"\x00" * 200)  # HeaderLength 0
    await client.send_input(PayloadType.OUTPUT, b"ok", seq=1)
    assert await client.collect(2) == b"ok"
    assert fake.sessions[sid].bad_frames == 3
    await client.close()


async def test_smux_garbage_ends_the_session_not_the_fake(fake: FakeAws) -> None:
    client, sid = await _ready(fake, "1.2.764.0")
    await client.send_input(PayloadType.OUTPUT, b"\x09\x09garbage!")
    assert await _acked_seq(client) == 1
    closed = await client.recv()
    assert closed.message_type == MessageType.CHANNEL_CLOSED
    assert fake.sessions[sid].terminated
    # The fake still serves other sessions.
    other, _ = await _ready(fake, "1.2.764.0")
    await other.send_input(PayloadType.OUTPUT, encode_frame(Cmd.SYN, 3) + encode_data(3, b"z"))
    await other.close()
