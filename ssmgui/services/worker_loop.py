"""An asyncio event loop on a thread of its own, for async work kept off the GUI's loop:
the inventory's refreshes, and the native tunnels' bytes (tunnels/engines/off_thread.py).

The loop lives as long as its owner, because what one run keeps for the next (HTTP
connections, so no new TCP and TLS handshakes; open tunnels) belongs to the loop it was made
on. Closing it cancels and awaits what still runs there, then ends the thread. Why the GUI
needs such loops: docs/architecture.md, "Threads and event loops".
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class WorkerLoop:
    """`await run(coroutine)` from another loop runs it here; `close()` when done."""

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Its result; cancelling the caller cancels it on the worker loop too."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))

    async def close(self) -> None:
        """Stop the loop (what still runs there is cancelled and awaited) and its thread."""
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._finish()

    def _finish(self) -> None:
        """What `asyncio.run` does on the way out: cancel, await, shut down, close."""
        left = asyncio.all_tasks(self._loop)
        for task in left:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.run_until_complete(self._loop.shutdown_default_executor())
        self._loop.close()
