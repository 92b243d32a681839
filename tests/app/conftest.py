"""GUI tests on the qasync loop, offscreen, against the demo world.

Async tests here run on qasync's QEventLoop (stack-notes: the loop-factory hook), so Qt
signals and asyncio tasks interleave as in the app. They await futures, never qtbot.wait*
(a nested event loop breaks qasync).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable

import pytest
import qasync
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication


class _HoldWhileStopped(QObject):
    """Holds the loop's asyncio callbacks back while the loop is not running.

    qasync runs every asyncio callback from timer events of one QObject, so they fire
    whenever anyone processes Qt events. Between pytest-asyncio's runs (fixture set-up, the
    test, teardown) the loop is stopped, yet Qt events are processed: by pytest-qt after
    each phase, and by qasync once more after run_until_complete. A task resumed there has
    no running loop and dies ("no running event loop"): a demo world's ticker did, so
    its world could not be closed cleanly. Held back, the callback runs only while the loop
    runs, as on any asyncio loop: its Qt timer fires again one interval later. (In the app
    the loop runs for the whole process.)
    """

    def __init__(self, loop: qasync.QEventLoop, timer: QObject) -> None:
        super().__init__(timer)  # owned by the timer: lives as long as it does
        self._loop = loop

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        return event.type() == QEvent.Type.Timer and not self._loop.is_running()


def qasync_loop() -> qasync.QEventLoop:
    """The loop of every async test and fixture here."""
    app = QApplication.instance() or QApplication(["ssmgui-tests"])
    assert isinstance(app, QApplication)
    # As in the app (stack-notes trap 3): closing the MFA dialog must not quit Qt.
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    timer = loop._timer  # qasync's callback timer; fail here, not silently, if it moves
    assert isinstance(timer, QObject)
    timer.installEventFilter(_HoldWhileStopped(loop, timer))
    return loop


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], qasync.QEventLoop]]:
    return {"qasync": qasync_loop}
