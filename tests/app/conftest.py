"""GUI tests on the qasync loop, offscreen, against the demo world.

Async tests here run on qasync's QEventLoop (docs/testing.md: the loop-factory hook), so Qt
signals and asyncio tasks interleave as in the app. They await futures, never qtbot.wait*
(a nested event loop breaks qasync).
"""

from __future__ import annotations

import asyncio
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable

import pytest
import qasync
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication


class _LoopAroundStrayTimers(QObject):
    """Runs the loop's asyncio callbacks that Qt fires while the loop is stopped as if it ran.

    qasync runs every asyncio callback from timer events of one QObject, so they fire
    whenever anyone processes Qt events. Between pytest-asyncio's runs (fixture set-up, the
    test, teardown) the loop is stopped, yet Qt events are processed: by pytest-qt after
    each phase, and by qasync once more after run_until_complete. A task resumed there had
    no running loop and died ("no running event loop"): a demo world's ticker did, so its
    world could not be closed cleanly. In the app Qt events are processed only inside the
    running loop; here the loop is made the running one for such a timer event.
    """

    def __init__(self, loop: qasync.QEventLoop) -> None:
        super().__init__()
        self._loop = loop

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.Timer or self._loop.is_closed():
            return False  # a closed qasync loop kills its timers as they fire: let it
        if asyncio.events._get_running_loop() is not None:
            return False  # inside a run: qasync already made the loop the running one
        asyncio.events._set_running_loop(self._loop)
        try:
            watched.timerEvent(event)  # type: ignore[arg-type] # a Timer event is one
        finally:
            asyncio.events._set_running_loop(None)
        return True


# Every loop and its filter, for the whole session. Qt does not keep a filter's Python side
# alive; and a closed loop left to the garbage collector could be collected while Qt was
# delivering a timer event to it, in a later test (a segmentation fault).
_KEPT: list[tuple[qasync.QEventLoop, _LoopAroundStrayTimers]] = []


def qasync_loop() -> qasync.QEventLoop:
    """The loop of every async test and fixture here."""
    app = QApplication.instance() or QApplication(["ssmgui-tests"])
    assert isinstance(app, QApplication)
    # As in the app (docs/architecture.md, qasync trap 3): closing the MFA dialog must not
    # quit Qt.
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    timer = loop._timer  # qasync's callback timer; fail here, not silently, if it moves
    assert isinstance(timer, QObject)
    stray = _LoopAroundStrayTimers(loop)
    timer.installEventFilter(stray)
    _KEPT.append((loop, stray))
    return loop


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], qasync.QEventLoop]]:
    return {"qasync": qasync_loop}
