"""Keeping the garbage collector out of parses that build thousands of short-lived objects.

An EC2 DescribeInstances page parsed by ElementTree is ~1,000 elements, all GC-tracked and
all alive until the walk over them ends. The collector, run every 700 new objects, scans
them, finds them alive, promotes them, and the promotions set off full collections that
walk every object the process holds. bench/inventory.py measured ~50 ms of collections per
7,200-instance listing (~15 % of its CPU), nearly all of it on these trees. They are free
of reference cycles (an Element points only at its children) so reference counting frees
them the moment the walk returns: pausing the collector for the parse loses nothing.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator


class _CollectorPause:
    """Nested and concurrent pauses (threads) share one: the first disables, the last one
    out restores what it found, so a collector someone else disabled stays disabled."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    def enter(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1

    def leave(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._was_enabled:
                gc.enable()


_PAUSE = _CollectorPause()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection inside; for synchronous work whose garbage has no cycles."""
    _PAUSE.enter()
    try:
        yield
    finally:
        _PAUSE.leave()
