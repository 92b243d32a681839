"""TargetLink: the agent's TCP connection to a port on (or reachable from) the instance."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class TargetLink(asyncio.Protocol):
    """Forwards received bytes to `on_data` and reports the end once to `on_closed`.

    Reading can be paused for backpressure (docs/protocol.md §5: the agent buffers at most
    ~100,000 unacked messages; the fake stops at ~10,000 to bound memory).
    """

    def __init__(
        self, on_data: Callable[[bytes], None], on_closed: Callable[[], None], paused: bool
    ) -> None:
        self._on_data = on_data
        self._on_closed = on_closed
        self._paused = paused
        self._transport: asyncio.Transport | None = None
        self._closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        if self._paused:
            transport.pause_reading()

    def data_received(self, data: bytes) -> None:
        self._on_data(data)

    def eof_received(self) -> bool:
        return False  # close our side too: the agent's copy loop ends on EOF

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._closed:
            self._closed = True
            self._on_closed()

    def write(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def write_eof(self) -> None:
        """Half-close (the client's smux FIN): the target may still answer."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if transport.can_write_eof():
            transport.write_eof()
        else:
            transport.close()

    def close(self) -> None:
        """Close after flushing what was written; on_closed is not called for this."""
        self._closed = True
        if self._transport is not None:
            self._transport.close()

    def set_paused(self, paused: bool) -> None:
        if paused == self._paused:
            return
        self._paused = paused
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if paused:
            transport.pause_reading()
        else:
            transport.resume_reading()


async def dial(
    address: tuple[str, int] | None,
    on_data: Callable[[bytes], None],
    on_closed: Callable[[], None],
    paused: bool,
) -> TargetLink | None:
    """Connect to `address`; None (logged) when there is none or the dial fails."""
    if address is None:
        return None
    loop = asyncio.get_running_loop()
    try:
        _, link = await asyncio.wait_for(
            loop.create_connection(
                lambda: TargetLink(on_data, on_closed, paused), address[0], address[1]
            ),
            timeout=5.0,
        )
    except (OSError, TimeoutError) as exc:
        log.info("target %s:%s unreachable: %s", address[0], address[1], exc)
        return None
    return link
