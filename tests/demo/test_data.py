"""Port payloads (docs/protocol.md §7): the smux server in mux mode and raw bytes in basic mode."""

from __future__ import annotations

import struct

from ssmgui.demo.world import FakeAws
from ssmgui.ssm.message import PayloadType, parse_flag
from ssmgui.ssm.smux import Cmd, FrameReader, encode_data, encode_frame
from tests.demo.rawclient import RawClient
from tests.demo.support import start_session


async def _frames_until(client: RawClient, reader: FrameReader, cmd: Cmd) -> list[object]:
    """Smux frames (and flag values) from acked PT1/PT10 messages until a `cmd` frame."""
    seen: list[object] = []
    while True:
        message = await client.recv_stream()
        await client.ack(message)
        if message.payload_type == PayloadType.FLAG:
            seen.append(("flag", parse_flag(message.payload)))
            continue
        assert len(message.payload) <= 1024
        for frame in reader.feed(message.payload):
            seen.append(frame)
            if frame.cmd == cmd:
                return seen


async def test_mux_echo_round_trip_and_fin(fake: FakeAws) -> None:
    start = await start_session(fake)
    client = await RawClient.connect(start)
    await client.handshake()
    blob = bytes(range(256)) * 40  # 10 KiB: several PT1 messages each way
    upstream = encode_frame(Cmd.SYN, 3) + encode_data(3, blob)
    for i in range(0, len(upstream), 1024):
        await client.send_input(PayloadType.OUTPUT, upstream[i : i + 1024])
    received = bytearray()
    reader = FrameReader()
    while len(received) < len(blob):
        message = await client.recv_stream()
        await client.ack(message)
        assert len(message.payload) <= 1024
        for frame in reader.feed(message.payload):
            assert (frame.cmd, frame.stream_id) == (Cmd.PSH, 3)
            received += frame.data
    assert bytes(received) == blob
    # Our FIN half-closes the target; the echo server closes; the agent answers FIN.
    await client.send_input(PayloadType.OUTPUT, encode_frame(Cmd.FIN, 3))
    frames = await _frames_until(client, reader, Cmd.FIN)
    assert getattr(frames[-1], "stream_id", None) == 3
    session = fake.sessions[start["SessionId"]]
    assert session.bytes_from_client == len(upstream) + 8
    await client.close()


async def test_mux_dial_failure_sends_flag_3_then_fin(fake: FakeAws) -> None:
    start = await start_session(fake, port=4444)  # not in the instance's ports
    client = await RawClient.connect(start)
    await client.handshake()
    await client.send_input(PayloadType.OUTPUT, encode_frame(Cmd.SYN, 3))
    seen = await _frames_until(client, FrameReader(), Cmd.FIN)
    assert seen[0] == ("flag", 3)
    assert getattr(seen[-1], "stream_id", None) == 3
    await client.close()


async def test_mux_nop_is_ignored_and_streams_are_independent(fake: FakeAws) -> None:
    start = await start_session(fake)
    client = await RawClient.connect(start)
    await client.handshake()
    await client.send_input(
        PayloadType.OUTPUT,
        encode_frame(Cmd.NOP, 0)
        + encode_frame(Cmd.SYN, 3)
        + encode_frame(Cmd.SYN, 5)
        + encode_data(5, b"five")
        + encode_data(3, b"three"),
    )
    got: dict[int, bytes] = {3: b"", 5: b""}
    reader = FrameReader()
    while got[3] != b"three" or got[5] != b"five":
        message = await client.recv_stream()
        await client.ack(message)
        for frame in reader.feed(message.payload):
            got[frame.stream_id] += frame.data
    await client.close()


async def test_basic_mode_raw_bytes_and_disconnect_flag(fake: FakeAws) -> None:
    start = await start_session(fake)
    client = await RawClient.connect(start, client_version="1.1.0")
    await client.handshake("1.1.0")
    session = fake.sessions[start["SessionId"]]
    assert session.mode == "basic"
    await client.send_input(PayloadType.OUTPUT, b"hello")
    assert await client.collect(5) == b"hello"
    await client.send_input(PayloadType.FLAG, struct.pack(">I", 1))  # DisconnectToPort
    await client.send_input(PayloadType.OUTPUT, b"again")
    assert await client.collect(5) == b"again"
    handler = session.handler
    assert handler is not None
    assert getattr(handler, "connections_opened", 0) == 2
    await client.close()


async def test_remote_host_document_dials_the_mapped_address(fake: FakeAws) -> None:
    start = await start_session(
        fake, port=5432, document="AWS-StartPortForwardingSessionToRemoteHost", host="db.internal"
    )
    client = await RawClient.connect(start)
    await client.handshake()
    await client.send_input(PayloadType.OUTPUT, encode_frame(Cmd.SYN, 3) + encode_data(3, b"pg"))
    reader = FrameReader()
    data = b""
    while data != b"pg":
        message = await client.recv_stream()
        await client.ack(message)
        for frame in reader.feed(message.payload):
            data += frame.data
    await client.close()
