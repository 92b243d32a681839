"""The client side of DigestServer's protocol (see ssmgui.demo.servers.targets): timed uploads and
downloads through a tunnel, checked by SHA-256. Used by tests, benchmarks and the demo
self-check.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ssmgui.demo.servers.targets import (
    download_command,
    pattern_bytes,
    pattern_digest,
    upload_command,
)

CHUNK = 1 << 18
Progress = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Transfer:
    nbytes: int
    seconds: float
    intact: bool

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / self.seconds / 1e6 if self.seconds else 0.0


async def _nothing(_done: int) -> None:
    return None


async def upload(port: int, nbytes: int, progress: Progress = _nothing) -> Transfer:
    """Send `nbytes` of the pattern; the server's digest must match ours."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        started = time.perf_counter()
        writer.write(upload_command(nbytes))
        sent = 0
        while sent < nbytes:
            piece = pattern_bytes(sent, min(CHUNK, nbytes - sent))
            writer.write(piece)
            await writer.drain()
            sent += len(piece)
            await progress(sent)
        answer = await reader.readexactly(32)
        seconds = time.perf_counter() - started
        return Transfer(nbytes, seconds, answer == pattern_digest(nbytes))
    finally:
        writer.close()


async def download(port: int, nbytes: int, progress: Progress = _nothing) -> Transfer:
    """Ask for `nbytes` of the pattern and check what arrives."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        started = time.perf_counter()
        writer.write(download_command(nbytes))
        digest = hashlib.sha256()
        received = 0
        while received < nbytes:
            data = await reader.read(min(CHUNK, nbytes - received))
            if not data:
                break
            digest.update(data)
            received += len(data)
            await progress(received)
        seconds = time.perf_counter() - started
        intact = received == nbytes and digest.digest() == pattern_digest(nbytes)
        return Transfer(received, seconds, intact)
    finally:
        writer.close()
