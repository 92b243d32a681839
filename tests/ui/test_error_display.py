"""Messages through the error door appear on the screen and stay until the person closes them.

A message box without a parent window that nothing referred to was deleted as soon as it
was opened: a missing RDP client, a busy port, a bad command were written to the log as
"told the user" and shown to nobody.
"""

from __future__ import annotations

import gc
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from ssmgui.core.errors import ClientNotFoundError
from ssmgui.ui.error_display import ErrorDoor


def visible_messages() -> list[str]:
    return [
        widget.text()
        for widget in QApplication.topLevelWidgets()
        if isinstance(widget, QMessageBox) and widget.isVisible()
    ]


def test_an_expected_error_stays_on_the_screen_until_closed(qtbot: QtBot, tmp_path: Path) -> None:
    door = ErrorDoor(lambda: None, tmp_path / "ssmgui.log")
    closed: list[bool] = []
    text = "No Remote Desktop client found: install FreeRDP."
    door.show_expected(ClientNotFoundError(text), then=lambda: closed.append(True))
    gc.collect()
    qtbot.waitUntil(lambda: text in visible_messages(), timeout=2000)
    [box] = [
        widget
        for widget in QApplication.topLevelWidgets()
        if isinstance(widget, QMessageBox) and widget.isVisible() and widget.text() == text
    ]
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: text not in visible_messages(), timeout=2000)
    assert closed == [True]
