"""The qasync loop of these tests between pytest-asyncio's runs (see conftest.py).

pytest-asyncio runs fixture set-up, the test and teardown as separate runs of the loop,
as asyncio.Runner does here, and Qt events are processed in between. A demo world's ticker
woken there, with no loop running, died of "no running event loop"; closing the world then
failed, and the tickers of the worlds it never reached outlived the test.
"""

from __future__ import annotations

import asyncio
import time

from PySide6.QtWidgets import QApplication

from ssmgui.demo.world import TICK_S, TICKER_NAME, FakeAws
from tests.app.conftest import qasync_loop


def _tickers(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks(loop) if t.get_name() == TICKER_NAME]


def test_qt_events_between_runs_leave_a_world_running_and_closable() -> None:
    fake = FakeAws()
    with asyncio.Runner(loop_factory=qasync_loop) as runner:
        runner.run(fake.start())  # a fixture's set-up
        loop = runner.get_loop()
        time.sleep(2 * TICK_S)  # the ticker's wake-up is due…
        for _ in range(3):  # …and Qt runs due timers, as pytest-qt does around teardown
            QApplication.processEvents()
        assert len(_tickers(loop)) == 1, "the ticker died while the loop was stopped"
        runner.run(fake.stop())  # its teardown: raises how the ticker died, if it did
        assert _tickers(loop) == []
