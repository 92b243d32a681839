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
from PySide6.QtWidgets import QApplication


def _qasync_loop() -> qasync.QEventLoop:
    app = QApplication.instance() or QApplication(["ssmgui-tests"])
    assert isinstance(app, QApplication)
    # As in the app (stack-notes trap 3): closing the MFA dialog must not quit Qt.
    app.setQuitOnLastWindowClosed(False)
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], qasync.QEventLoop]]:
    return {"qasync": _qasync_loop}
