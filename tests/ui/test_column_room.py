"""The instances table's columns can be read at the window's size (acceptance screenshots:
every Windows row said "Microsoft Window…", the version cut off, while Status had room to
spare)."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ssmgui.core.instance import PingStatus, Platform
from ssmgui.ui.instance_model import InstanceColumn
from ssmgui.ui.instances_window import InstancesWindow
from tests.ui.sample_fleet import make_instance

WINDOWS = dataclasses.replace(
    make_instance("i-0000000000000000a", "ad-01", platform=Platform.WINDOWS),
    platform_name="Microsoft Windows Server 2022 Datacenter",
)
LOST = make_instance("i-0000000000000000b", "web-1", ping=PingStatus.CONNECTION_LOST)


def _shown_text(window: InstancesWindow, row: int, column: int) -> str:
    """The cell's text as drawn: elided to its section less the icon and margins."""
    index = window.model.index(row, column)
    text = str(index.data(Qt.ItemDataRole.DisplayRole))
    room = window.table.horizontalHeader().sectionSize(column) - 16 - 16
    return window.table.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room)


def test_platform_and_status_are_read_whole_enough(qtbot: QtBot) -> None:
    window = InstancesWindow()
    qtbot.addWidget(window)
    window.show_region("prod", "eu-west-1", [WINDOWS, LOST], False)
    window.show()
    qtbot.waitExposed(window)
    rows = {window.model.instance_at(r).instance_id: r for r in range(window.model.rowCount())}
    platform = _shown_text(window, rows[WINDOWS.instance_id], InstanceColumn.PLATFORM)
    assert platform.startswith("Microsoft Windows Server"), platform
    status = _shown_text(window, rows[LOST.instance_id], InstanceColumn.STATUS)
    assert status == "Connection lost"
