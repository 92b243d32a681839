"""OutputPump: turns agent output into <= 1,024-byte PT1 payloads (docs/protocol.md §7, §12).

Unpaced, everything written in one event-loop tick goes out in the same tick, so the
transport sees one write per tick. With `Faults.pace_agent` it sends one chunk per 1 ms
sleep, like the agent's `transferDataToMgs` / `WritePump`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable

from ssmgui.demo.faults import Faults
from ssmgui.ssm.message import MAX_STREAM_PAYLOAD, PayloadType

Emit = Callable[[int, bytes], None]


class OutputPump:
    """Queues data and control payloads in order and emits them as stream messages.

    `emit(payload_type, payload)` sends one message; `on_flushed()` runs after each batch
    so the owner can re-evaluate backpressure.
    """

    def __init__(self, emit: Emit, faults: Faults, on_flushed: Callable[[], None]) -> None:
        self._emit = emit
        self._faults = faults
        self._on_flushed = on_flushed
        self._queue: deque[tuple[int, bytearray]] = deque()
        self.pending_bytes = 0
        self._scheduled = False
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def write(self, data: bytes) -> None:
        if self._closed or not data:
            return
        if self._queue and self._queue[-1][0] == PayloadType.OUTPUT:
            self._queue[-1][1].extend(data)
        else:
            self._queue.append((PayloadType.OUTPUT, bytearray(data)))
        self.pending_bytes += len(data)
        self._schedule()

    def control(self, payload_type: int, payload: bytes) -> None:
        """A non-data message (a flag) kept in order with the data around it."""
        if self._closed:
            return
        self._queue.append((payload_type, bytearray(payload)))
        self._schedule()

    @property
    def empty(self) -> bool:
        """Nothing queued, data or control."""
        return not self._queue

    def _schedule(self) -> None:
        if self._faults.pace_agent:
            if self._task is None:
                self._task = asyncio.get_running_loop().create_task(self._paced())
        elif not self._scheduled and self._task is None:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _next_chunk(self) -> tuple[int, bytes]:
        payload_type, buffer = self._queue[0]
        if payload_type != PayloadType.OUTPUT or len(buffer) <= MAX_STREAM_PAYLOAD:
            self._queue.popleft()
            chunk = bytes(buffer)
        else:
            chunk = bytes(buffer[:MAX_STREAM_PAYLOAD])
            del buffer[:MAX_STREAM_PAYLOAD]
        if payload_type == PayloadType.OUTPUT:
            self.pending_bytes -= len(chunk)
        return payload_type, chunk

    def _flush(self) -> None:
        self._scheduled = False
        emit = self._emit
        queue = self._queue
        while queue:
            payload_type, buffer = queue.popleft()
            if payload_type != PayloadType.OUTPUT:
                emit(payload_type, bytes(buffer))
                continue
            self.pending_bytes -= len(buffer)
            view = memoryview(buffer)
            for start in range(0, len(buffer), MAX_STREAM_PAYLOAD):
                emit(payload_type, bytes(view[start : start + MAX_STREAM_PAYLOAD]))
            view.release()
        self._on_flushed()

    async def _paced(self) -> None:
        try:
            while self._queue and not self._closed:
                payload_type, chunk = self._next_chunk()
                self._emit(payload_type, chunk)
                self._on_flushed()
                if self._faults.pace_agent:
                    await asyncio.sleep(0.001)
        finally:
            self._task = None
        if self._queue and not self._closed:
            self._schedule()

    async def close(self) -> None:
        """Drop queued output and stop the paced sender."""
        self._closed = True
        self._queue.clear()
        self.pending_bytes = 0
        task = self._task
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
