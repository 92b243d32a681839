"""The details pane leaves the table the room while nothing is selected (acceptance
screenshots: an empty "Select an instance to see its details." pane took a quarter of the
window while the table showed ten rows), and gets its height back with a selection."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from ssmgui.ui.instances_window import DETAILS_HEIGHT, InstancesWindow
from tests.ui.sample_fleet import make_instance

FLEET = [make_instance(f"i-00000000000000{n:02d}", f"web-{n}") for n in range(40)]


def _shown(qtbot: QtBot) -> InstancesWindow:
    window = InstancesWindow()
    qtbot.addWidget(window)
    window.show_region("prod", "eu-west-1", FLEET, False)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_no_selection_one_line_of_help_a_selection_every_field(qtbot: QtBot) -> None:
    window = _shown(qtbot)
    table, details = window.splitter.sizes()
    assert details < 60 and window.details.hint.isVisible()
    assert table > 4 * details

    index = window.model.index(3, 0)
    rect = window.table.visualRect(index)
    QTest.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.splitter.sizes()[1] >= DETAILS_HEIGHT)
    assert window.details.body.isVisible()

    window.table.clearSelection()
    qtbot.waitUntil(lambda: window.splitter.sizes()[1] < 60)


def test_details_switched_off_stay_off_whatever_is_selected(qtbot: QtBot) -> None:
    window = _shown(qtbot)
    window.details_action.trigger()  # off
    assert window.splitter.sizes()[1] == 0
    window.table.selectRow(2)
    assert window.splitter.sizes()[1] == 0


def test_the_first_run_help_hides_the_details_hint_too(qtbot: QtBot) -> None:
    window = _shown(qtbot)
    window.show_first_run("<b>No AWS profiles found.</b>")
    assert window.first_run.isVisible()
    assert not window.details.isVisible() and not window.table.isVisible()
    window.show_first_run("")
    assert window.table.isVisible()
