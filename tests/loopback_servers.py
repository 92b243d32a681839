"""A stream handler served on 127.0.0.1 for one test, torn down without leftovers.

`serving(handler, tls=…)` yields the server's base URL (`http://` or, with a server-side
TLS context, `https://`). On leaving, every open connection is aborted and its handler
allowed to end: a handler cancelled at loop close makes asyncio 3.11 log a spurious
CancelledError. A peer that goes away mid-exchange ends its handler quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def serving(handler: Handler, *, tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """`handler` per connection on loopback; yields the base URL."""
    writers: list[asyncio.StreamWriter] = []
    handlers: list[asyncio.Task[None]] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        task = asyncio.current_task()
        assert task is not None
        handlers.append(task)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            await handler(reader, writer)
        writer.close()

    server = await asyncio.start_server(tracked, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.close()
        for writer in writers:
            writer.transport.abort()
        if handlers:
            await asyncio.wait(handlers)
        await server.wait_closed()
