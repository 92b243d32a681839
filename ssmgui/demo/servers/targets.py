"""Real loopback servers that fake instances point at (tests, benchmarks, --demo).

EchoServer echoes. DigestServer speaks a tiny length-prefixed protocol, repeated on one
connection until EOF; each command is an 8-byte big-endian unsigned header H:

- H < 2**63, upload: the client then sends N = H bytes; the server answers with the
  32-byte SHA-256 of those bytes.
- H >= 2**63, download: N = H - 2**63; the server sends N bytes of `pattern_bytes(0, N)`
  (a seeded 1 MiB random block repeated), so `pattern_digest(N)` predicts their hash.

DemoHttpServer answers any GET with a small HTML page naming its instance.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import struct

from ssmgui.demo.servers.loopback import LoopbackServer

DOWNLOAD_BIT = 1 << 63
BLOCK_SIZE = 1 << 20
_BLOCK = random.Random(20241001).randbytes(BLOCK_SIZE)
_HEADER = struct.Struct(">Q")


def upload_command(length: int) -> bytes:
    return _HEADER.pack(length)


def download_command(length: int) -> bytes:
    return _HEADER.pack(DOWNLOAD_BIT | length)


def pattern_bytes(offset: int, length: int) -> bytes:
    """Bytes [offset, offset+length) of the endless download pattern."""
    out = bytearray()
    while length > 0:
        start = offset % BLOCK_SIZE
        piece = _BLOCK[start : start + length]
        out += piece
        offset += len(piece)
        length -= len(piece)
    return bytes(out)


def pattern_digest(length: int) -> bytes:
    digest = hashlib.sha256()
    offset = 0
    while offset < length:
        piece = min(BLOCK_SIZE, length - offset)
        digest.update(_BLOCK[:piece])
        offset += piece
    return digest.digest()


class EchoServer(LoopbackServer):
    """Echoes every byte until the client closes."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()


class DigestServer(LoopbackServer):
    """Upload digests and deterministic downloads; see the module docstring."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                header = await reader.readexactly(_HEADER.size)
            except asyncio.IncompleteReadError:
                return  # clean EOF between commands
            (value,) = _HEADER.unpack(header)
            if value & DOWNLOAD_BIT:
                await self._download(writer, value & ~DOWNLOAD_BIT)
            else:
                writer.write(await self._upload(reader, value))
                await writer.drain()

    @staticmethod
    async def _upload(reader: asyncio.StreamReader, length: int) -> bytes:
        digest = hashlib.sha256()
        remaining = length
        while remaining:
            data = await reader.read(min(remaining, 1 << 20))
            if not data:
                raise asyncio.IncompleteReadError(b"", remaining)
            digest.update(data)
            remaining -= len(data)
        return digest.digest()

    @staticmethod
    async def _download(writer: asyncio.StreamWriter, length: int) -> None:
        sent = 0
        while sent < length:
            piece = min(BLOCK_SIZE, length - sent)
            writer.write(_BLOCK[:piece])
            sent += piece
            await writer.drain()


class DemoHttpServer(LoopbackServer):
    """GET anything → a small HTML page "ssmgui demo web server on <instance>"."""

    def __init__(self, instance: str = "demo") -> None:
        super().__init__()
        self.instance = instance

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
        body = (
            "<!doctype html><html><head><title>ssmgui demo</title></head><body>"
            f"<h1>ssmgui demo web server on {self.instance}</h1>"
            "<p>This page travelled through a fake Session Manager tunnel.</p></body></html>"
        ).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
