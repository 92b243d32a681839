"""The worker loop: results, errors and cancellation cross threads; it keeps one loop
between runs; closing cancels what still runs there and ends its thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

from ssmgui.services.worker_loop import WorkerLoop


async def _where() -> tuple[str, asyncio.AbstractEventLoop]:
    return threading.current_thread().name, asyncio.get_running_loop()


async def test_runs_on_one_loop_of_its_own_thread_until_closed() -> None:
    worker = WorkerLoop("test-worker")
    first_thread, first_loop = await worker.run(_where())
    second_thread, second_loop = await worker.run(_where())
    assert first_thread == second_thread == "test-worker"
    assert first_loop is second_loop is not asyncio.get_running_loop()
    await worker.close()
    assert first_loop.is_closed()
    assert "test-worker" not in {thread.name for thread in threading.enumerate()}


async def test_errors_come_back_and_cancelling_the_caller_cancels_the_work() -> None:
    worker = WorkerLoop("test-worker")

    async def fail() -> None:
        raise ValueError("from the worker")

    with pytest.raises(ValueError, match="from the worker"):
        await worker.run(fail())
    started, cancelled = threading.Event(), threading.Event()

    async def wait_forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    caller = asyncio.ensure_future(worker.run(wait_forever()))
    await asyncio.to_thread(started.wait, 5)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert await asyncio.to_thread(cancelled.wait, 5)
    await worker.close()


async def test_close_cancels_work_still_running_there() -> None:
    worker = WorkerLoop("test-worker")
    cancelled = threading.Event()

    async def linger() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    caller = asyncio.ensure_future(worker.run(linger()))
    await asyncio.sleep(0.05)
    await worker.close()
    assert cancelled.is_set()
    with pytest.raises(asyncio.CancelledError):
        await caller
