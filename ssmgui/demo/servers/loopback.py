"""The lifecycle every fake TCP server of the demo shares: listen on 127.0.0.1, serve each
connection with `handle`, and on `stop()` close the listener and every connection and wait
for their handlers.

With a server-side `tls` context it speaks TLS on every connection (the fake AWS's https://
and wss:// endpoints).

Subclasses: the targets behind demo instances (echo, digest, web page, SSH banner) and the
HTTP server under the fake AWS endpoints (which also reads requests with a reader of its own,
`new_reader`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl

log = logging.getLogger(__name__)


class LoopbackServer:
    """`start()` → its port on 127.0.0.1; `stop()` closes everything. Idempotent."""

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self._server: asyncio.Server | None = None
        self._handlers: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self.port = 0
        self.connections = 0  # accepted so far

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    async def start(self) -> int:
        loop = asyncio.get_running_loop()

        def connected() -> asyncio.StreamReaderProtocol:
            return asyncio.StreamReaderProtocol(self.new_reader(loop), self._serve, loop=loop)

        self._server = await loop.create_server(connected, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        # Abort the connections rather than cancel their handlers: a cancelled stream
        # handler makes asyncio 3.11 log a spurious CancelledError traceback.
        for writer in list(self._handlers.values()):
            writer.transport.abort()
        if self._handlers:
            await asyncio.wait(list(self._handlers))
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    def new_reader(self, loop: asyncio.AbstractEventLoop) -> asyncio.StreamReader:
        """The reader of a new connection (as asyncio.start_server would make it)."""
        return asyncio.StreamReader(loop=loop)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection; it is closed when this returns."""
        raise NotImplementedError

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers[task] = writer
        self.connections += 1
        try:
            await self.handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            log.debug("%s connection ended: %s", type(self).__name__, exc)
        finally:
            self._handlers.pop(task, None)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
