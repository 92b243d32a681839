"""LowPriorityLane: heavy steps take turns, and work woken meanwhile runs between them."""

from __future__ import annotations

import asyncio

from ssmgui.services.inventory.low_priority import LowPriorityLane


async def test_steps_run_in_order_with_other_work_between_them() -> None:
    lane = LowPriorityLane()
    ran: list[str] = []

    async def heavy(name: str) -> None:
        await lane.turn()
        ran.append(name)

    async def urgent() -> None:
        await asyncio.sleep(0)  # woken after the heavy steps were queued
        ran.append("urgent")

    await asyncio.gather(heavy("a"), heavy("b"), heavy("c"), urgent())
    assert ran.index("urgent") < ran.index("b")  # not behind the whole queue
    assert [step for step in ran if step != "urgent"] == ["a", "b", "c"]


async def test_a_cancelled_waiter_is_skipped() -> None:
    lane = LowPriorityLane()
    ran: list[str] = []

    async def heavy(name: str) -> None:
        await lane.turn()
        ran.append(name)

    first, second = asyncio.ensure_future(heavy("a")), asyncio.ensure_future(heavy("b"))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.gather(first, second, return_exceptions=True)
    assert ran == ["b"]
