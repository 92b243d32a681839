"""The option that closes a tunnel when its client exits: in the settings dialog and file."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTabWidget
from pytestqt.qtbot import QtBot

from ssmgui.core.settings import Settings, from_dict, to_dict
from ssmgui.ui.settings_dialog import SettingsDialog


def test_the_option_is_a_checkbox_that_round_trips(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings(close_tunnel_with_client=True), [])
    qtbot.addWidget(dialog)
    dialog.show()
    tabs = dialog.findChild(QTabWidget)
    assert tabs is not None
    bar = tabs.tabBar()
    tunnels_tab = next(i for i in range(tabs.count()) if tabs.tabText(i) == "Tunnels")
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tunnels_tab).center())
    check = dialog.close_with_client_check
    qtbot.waitUntil(check.isVisible)
    assert check.isChecked() and check.text() == "Close a tunnel when its client exits"
    assert dialog.result_settings().close_tunnel_with_client
    QTest.mouseClick(check, Qt.MouseButton.LeftButton, pos=check.rect().center())
    assert not dialog.result_settings().close_tunnel_with_client


def test_the_option_is_kept_in_the_settings_file_and_off_by_default() -> None:
    assert not Settings().close_tunnel_with_client
    loaded = from_dict(to_dict(Settings(close_tunnel_with_client=True)))
    assert loaded.settings.close_tunnel_with_client and not loaded.problems
