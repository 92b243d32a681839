"""Closing a demo world ends every task it started, even when one part has already failed.

A FakeAws ticker that has died (under qasync, a wake-up outside the running loop kills it
with "no running event loop") must not make FakeAws.stop() raise before closing anything,
nor DemoFleet.stop() give up on the others: their tickers would outlive the world and end in
"Task exception was never retrieved" at exit.
"""

from __future__ import annotations

import asyncio
from typing import cast

import pytest

from ssmgui.demo.channel.session import FakeSession
from ssmgui.demo.fleet import DemoFleet
from ssmgui.demo.world import TICK_S, TICKER_NAME, FakeAws


class _FailingSession:
    """A session whose 100 ms tick raises: the ticker that calls it dies."""

    terminated = False

    def tick(self, now: float) -> None:
        raise RuntimeError("tick failed")

    async def wait_released(self) -> None:
        return None

    async def release(self) -> None:
        return None


def _tickers() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == TICKER_NAME]


async def _kill_ticker(fake: FakeAws) -> None:
    fake.sessions["s-failing"] = cast(FakeSession, _FailingSession())
    await asyncio.sleep(2 * TICK_S)


async def test_closing_a_fleet_ends_every_ticker_though_one_has_died() -> None:
    fleet = DemoFleet(("demo-prod",), ("eu-west-1", "us-east-1"), per_pair=2)
    await fleet.start()
    assert len(_tickers()) == 2
    failing = fleet.ssm["demo-prod", "eu-west-1"]
    await _kill_ticker(failing)
    with pytest.raises(ExceptionGroup) as raised:
        await fleet.stop()
    assert raised.group_contains(RuntimeError, match="tick failed")
    assert _tickers() == []  # the other world's ticker was stopped and awaited too


async def test_a_world_whose_ticker_died_still_closes_its_servers() -> None:
    fake = FakeAws()
    await fake.start()
    await _kill_ticker(fake)
    host, port = fake.api_url.removeprefix("http://").split(":")
    with pytest.raises(RuntimeError, match="tick failed"):
        await fake.stop()
    assert _tickers() == []
    with pytest.raises(OSError):
        await asyncio.open_connection(host, int(port))
