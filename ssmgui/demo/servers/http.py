"""The one small HTTP/1.1 server under the fake's AWS endpoints (SSM JSON 1.1, and the
query-protocol fakes: EC2, STS, IAM).

`LoopbackHttpServer(handle, latency)` serves on 127.0.0.1 (https:// with a `tls` context):
each request becomes `await handle(HttpRequest)` → `HttpResponse`, answered after
`latency()` seconds.
Keep-alive and Content-Length bodies only (botocore sends nothing else).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from ssmgui.demo.servers.loopback import LoopbackServer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class HttpResponse:
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]


class LoopbackHttpServer(LoopbackServer):
    """`start()` → its port on 127.0.0.1; `stop()` closes the listener and every
    connection, and waits for their handlers. Idempotent."""

    def __init__(
        self,
        handle: Handler,
        latency: Callable[[], float] = lambda: 0.0,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(tls=tls)
        self._handle = handle
        self._latency = latency

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def new_reader(self, loop: asyncio.AbstractEventLoop) -> asyncio.StreamReader:
        return _StampedReader(loop)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one_request(reader, writer):
                pass
        except ValueError as exc:  # not HTTP as botocore sends it
            log.debug("HTTP connection ended: %s", exc)

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        loop = asyncio.get_running_loop()
        reading_since = loop.time()
        request = await _read_request(reader)
        if request is None:
            return False
        # The latency runs from the request's arrival, not from when this one process got
        # round to answering it: AWS answers the calls of 18 regions on as many servers,
        # while the fake serves them all on one core. Arrival is when its bytes were read
        # off the socket: the requests of a burst are all read before any is worked out,
        # whereas timing from here made the last of a benchmark round's 36 calls wait for
        # the answers worked out before it (median 38 ms for 30 ms of latency).
        arrived_at = reader.arrived_at if isinstance(reader, _StampedReader) else loop.time()
        answer_at = max(arrived_at, reading_since) + self._latency()  # pipelined: not early
        response = await self._handle(request)
        if (delay := answer_at - loop.time()) > 0:
            await asyncio.sleep(delay)
        writer.write(_serialise(response))
        await writer.drain()
        return request.headers.get("connection", "").lower() != "close"


class _StampedReader(asyncio.StreamReader):
    """Notes when the bytes of the next request began to arrive (`arrived_at`, loop time):
    the first bytes fed after the previous request was read (`_read_request`)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop=loop)
        self._clock = loop.time
        self.arrived_at = 0.0
        self.awaiting_request = True

    def feed_data(self, data: bytes) -> None:  # type: ignore[override]  # asyncio passes bytes
        if self.awaiting_request and data:
            self.arrived_at, self.awaiting_request = self._clock(), False
        super().feed_data(data)


async def _read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    line = await reader.readline()
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    if isinstance(reader, _StampedReader):
        reader.awaiting_request = True
    return HttpRequest(method, path, headers, body)


def _serialise(response: HttpResponse) -> bytes:
    extra = "".join(f"{name}: {value}\r\n" for name, value in response.headers.items())
    head = (
        f"HTTP/1.1 {response.status} {'OK' if response.status == 200 else 'Error'}\r\n"
        f"Content-Type: {response.content_type}\r\nContent-Length: {len(response.body)}\r\n"
        f"{extra}\r\n"
    )
    return head.encode() + response.body
