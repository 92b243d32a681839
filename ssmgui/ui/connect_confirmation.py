"""The question before connecting to a marked profile: "You are about to connect to
demo-prod (account 1111…) — Connect / Cancel".

The controller asks through `AppController.confirm_connect` for every way of connecting
(double-click, context menu, tray, favourite); this is the view's answer. The box is opened
with `open()`, never `exec()` (a nested event loop breaks qasync: docs/architecture.md), and
awaited through a future; it is kept referenced while open, and closed (as Cancel) if the
connection is given up meanwhile, e.g. when the app quits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from ssmgui.core.profile_marks import ConnectQuestion


class ConnectConfirmation:
    """Awaitable: `await confirmation(question)` is True when the person chose Connect.

    Cancel is the default button, so Enter or Escape out of habit does not connect."""

    def __init__(self, parent: Callable[[], QWidget | None]) -> None:
        self._parent = parent
        self.open_boxes: list[QMessageBox] = []  # shown now (tests and quitting read it)

    async def __call__(self, question: ConnectQuestion) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            question.title,
            question.text,
            QMessageBox.StandardButton.NoButton,
            self._parent(),
        )
        connect = box.addButton("Connect", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        box.finished.connect(lambda _result: _answer(answer, box, connect))
        self.open_boxes.append(box)
        box.open()
        try:
            return await answer
        finally:
            self.open_boxes.remove(box)
            if box.isVisible():  # given up while asking: the question goes too
                box.finished.disconnect()
                box.reject()
            box.deleteLater()


def _answer(answer: asyncio.Future[bool], box: QMessageBox, connect: QPushButton) -> None:
    if not answer.done():
        answer.set_result(box.clickedButton() is connect)
