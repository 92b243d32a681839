"""LowPriorityLane: CPU-heavy steps one per event-loop turn, behind the loop's I/O.

asyncio runs ready callbacks in FIFO order: when the answers of eighteen regions arrive in
the same few milliseconds, eighteen EC2 pages (about a millisecond of parsing each) would
run back to back while the SSM answers that carry the next page's token — the critical
path — wait behind them. A step that first `await lane.turn()`s runs only when the lane's
driver lets it, one step per two loop iterations; in between the loop polls its sockets
and runs what they woke, so a critical-path step waits for at most one heavy step.

Steps must be bounded and synchronous after their turn (parse one page, build one page of
instances); a waiter cancelled before its turn is skipped. One lane per refresh.
"""

from __future__ import annotations

import asyncio
from collections import deque


class LowPriorityLane:
    """`await turn()`, then do one bounded step; see the module docstring."""

    def __init__(self) -> None:
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._driver: asyncio.Task[None] | None = None

    async def turn(self) -> None:
        """Return when it is this caller's turn to run one heavy step."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiting.append(waiter)
        if self._driver is None or self._driver.done():
            self._driver = loop.create_task(self._drive())
        await waiter

    async def _drive(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if waiter.done():  # cancelled while waiting
                continue
            waiter.set_result(None)
            # The woken step runs in the next iteration. Yielding twice lets the steps that
            # the sockets polled meanwhile woke (scheduled after it) run before the next one.
            await asyncio.sleep(0)
            await asyncio.sleep(0)
