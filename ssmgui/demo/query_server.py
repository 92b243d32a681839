"""A tiny HTTP/1.1 server for AWS query-protocol fakes (EC2, STS, IAM) on loopback.

`QueryServer(handle)` serves `POST /` with a form-encoded body: each request becomes
`handle(params, headers)` → `(status, xml text)`, where `params` holds the first value of
each form field and `headers` maps lower-case names to values. Keep-alive, Content-Length
bodies only (botocore sends nothing else). `latency()` seconds are waited before each answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs

log = logging.getLogger(__name__)

Handler = Callable[[Mapping[str, str], Mapping[str, str]], tuple[int, str]]


class QueryServer:
    """`start()` → its URL on 127.0.0.1; `stop()` closes the listener and every connection."""

    def __init__(self, handle: Handler, latency: Callable[[], float] = lambda: 0.0) -> None:
        self._handle = handle
        self._latency = latency
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.url = ""

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        """Idempotent."""
        if self._server is not None:
            self._server.close()
        # Abort rather than cancel the handlers: a cancelled stream handler makes asyncio
        # 3.11 log a spurious CancelledError traceback.
        for writer in list(self._writers):
            writer.transport.abort()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        await asyncio.sleep(0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            log.debug("query connection ended: %s", exc)
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        line = await reader.readline()
        if not line:
            return False
        headers: dict[str, str] = {}
        while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        form = parse_qs(body.decode(), keep_blank_values=True)
        status, text = self._handle({key: values[0] for key, values in form.items()}, headers)
        if (delay := self._latency()) > 0:
            await asyncio.sleep(delay)
        payload = text.encode()
        head = (
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            f"Content-Type: text/xml;charset=UTF-8\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        writer.write(head.encode() + payload)
        await writer.drain()
        return headers.get("connection", "").lower() != "close"
