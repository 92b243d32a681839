"""The qasync loop of these tests between pytest-asyncio's runs (see conftest.py).

Fixture set-up, the test and teardown are separate runs of the loop, and Qt events are
processed in between. A demo world's ticker woken there must not die of "no running event
loop": closing the world would then fail, and the tickers of the worlds it never reached
would outlive the test.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from ssmgui.demo.world import TICK_S, TICKER_NAME, FakeAws


def _tickers() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == TICKER_NAME]


@pytest.fixture
async def world() -> AsyncIterator[FakeAws]:
    fake = FakeAws()
    await fake.start()
    yield fake
    assert len(_tickers()) == 1, "the ticker died while the loop was stopped"
    await fake.stop()  # raises how the ticker died, if it did
    assert _tickers() == []


async def test_a_world_outlives_the_qt_events_after_a_test(world: FakeAws) -> None:
    await asyncio.sleep(0)
    # Block past the ticker's wake-up: the loop then wakes the ticker's sleep and stops in
    # one pass, and the ticker's next step comes with qasync's last processEvents, after
    # the loop has stopped.
    time.sleep(2 * TICK_S)
