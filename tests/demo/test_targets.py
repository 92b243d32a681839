"""The loopback targets and the fast wire encoders."""

from __future__ import annotations

import asyncio
import hashlib
import uuid

from ssmgui.demo.channel.wire import encode_ack, encode_output
from ssmgui.demo.servers.targets import (
    DemoHttpServer,
    DigestServer,
    EchoServer,
    download_command,
    pattern_bytes,
    pattern_digest,
    upload_command,
)
from ssmgui.ssm.message import decode, parse_ack


async def test_echo(echo: EchoServer) -> None:
    reader, writer = await asyncio.open_connection(*echo.address)
    writer.write(b"ping")
    assert await reader.readexactly(4) == b"ping"
    writer.close()
    await writer.wait_closed()


async def test_digest_upload_and_download(digest: DigestServer) -> None:
    reader, writer = await asyncio.open_connection(*digest.address)
    blob = bytes(range(256)) * 5000
    writer.write(upload_command(len(blob)) + blob)
    assert await reader.readexactly(32) == hashlib.sha256(blob).digest()
    size = (1 << 20) + 12345
    writer.write(download_command(size))
    data = await reader.readexactly(size)
    assert hashlib.sha256(data).digest() == pattern_digest(size)
    assert data[:100] == pattern_bytes(0, 100)
    assert data[(1 << 20) : (1 << 20) + 10] == pattern_bytes(1 << 20, 10) == data[:10]
    writer.close()
    await writer.wait_closed()


async def test_demo_http() -> None:
    server = DemoHttpServer("i-demo")
    await server.start()
    reader, writer = await asyncio.open_connection(*server.address)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    page = await reader.read()
    assert page.startswith(b"HTTP/1.1 200 OK")
    assert b"ssmgui demo web server on i-demo" in page
    writer.close()
    await writer.wait_closed()
    await server.stop()


def test_fast_encoders_match_the_shared_codec() -> None:
    output = decode(encode_output(7, 1, 5, b"hello"))
    assert (output.message_type, output.sequence_number, output.flags) == (
        "output_stream_data",
        7,
        1,
    )
    assert (output.payload_type, output.payload) == (5, b"hello")
    mid = uuid.uuid4()
    ack = decode(encode_ack("input_stream_data", mid, 42))
    assert (ack.message_type, ack.flags, ack.payload_type) == ("acknowledge", 3, 0)
    parsed = parse_ack(ack.payload)
    assert (parsed.message_type, parsed.message_id, parsed.sequence_number) == (
        "input_stream_data",
        mid,
        42,
    )
