"""DelayLine: a FIFO that hands items on a fixed time after they were put in.

It implements the one-way latency of `Faults.latency_s` without sleeping per message: items
put in the same tick share one deadline, one timer serves the whole queue, and order is
kept even when the latency changes (an item never overtakes the head).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable


class DelayLine:
    """Calls `deliver(items)` for each batch, `delay()` seconds after `put`."""

    def __init__(self, delay: Callable[[], float], deliver: Callable[[list[bytes]], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._delay = delay
        self._deliver = deliver
        self._queue: deque[tuple[float, list[bytes]]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    def put(self, items: list[bytes]) -> None:
        delay = self._delay()
        if delay <= 0 and not self._queue:
            self._deliver(items)
            return
        self._queue.append((self._loop.time() + delay, items))
        if self._timer is None:
            self._timer = self._loop.call_at(self._queue[0][0], self._fire)

    def _fire(self) -> None:
        self._timer = None
        now = self._loop.time()
        ready: list[bytes] = []
        while self._queue and self._queue[0][0] <= now:
            ready.extend(self._queue.popleft()[1])
        if self._queue:
            self._timer = self._loop.call_at(self._queue[0][0], self._fire)
        if ready:
            self._deliver(ready)

    def close(self) -> None:
        """Drop everything still queued."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._queue.clear()
