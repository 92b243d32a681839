"""BasicForwarder: the agent's basic (non-mux) port mode: PT1 carries raw TCP bytes.

See docs/protocol.md §7. One target connection, dialled lazily on the first data; flag 1
(DisconnectToPort) closes it and the next data dials again. A failed dial drops the data
(the real agent logs it).
"""

from __future__ import annotations

import asyncio
import contextlib

from ssmgui.demo.channel.agent_mux import Resolve
from ssmgui.demo.channel.link import TargetLink, dial
from ssmgui.demo.channel.pump import OutputPump


class BasicForwarder:
    """Raw byte forwarding to one target connection at a time."""

    def __init__(self, pump: OutputPump, resolve: Resolve) -> None:
        self._pump = pump
        self._resolve = resolve
        self._link: TargetLink | None = None
        self._dialling: asyncio.Task[None] | None = None
        self._pending: list[bytes] = []
        self._paused = False
        self.connections_opened = 0
        self.dial_failures = 0

    def feed(self, data: bytes) -> None:
        if self._link is not None:
            self._link.write(data)
            return
        self._pending.append(data)
        if self._dialling is None:
            self._dialling = asyncio.get_running_loop().create_task(self._dial())

    async def _dial(self) -> None:
        link: TargetLink | None = None
        try:
            link = await dial(self._resolve(), self._pump.write, self._target_closed, self._paused)
        finally:
            self._dialling = None
        if link is None:
            self.dial_failures += 1
            self._pending.clear()
            return
        self.connections_opened += 1
        self._link = link
        link.set_paused(self._paused)  # the flow may have changed while the dial was under way
        for data in self._pending:
            link.write(data)
        self._pending.clear()

    def _target_closed(self) -> None:
        self._link = None

    def disconnect(self) -> None:
        """Flag 1: the client's local connection closed."""
        self._pending.clear()
        if self._dialling is not None:
            self._dialling.cancel()
            self._dialling = None
        if self._link is not None:
            self._link.close()
            self._link = None

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if self._link is not None:
            self._link.set_paused(paused)

    def tick(self, now: float) -> None:
        """No timers in basic mode."""

    async def close(self) -> None:
        task = self._dialling
        self.disconnect()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
