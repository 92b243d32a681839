"""The instances window: requests it emits, region problems and tunnels it shows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from ssmgui.core.instance import Instance, Platform
from ssmgui.core.tunnel import TunnelKind, TunnelState
from ssmgui.ui.instances_window import InstancesWindow
from tests.ui.sample_fleet import make_instance, sample_snapshot

WINDOWS = make_instance("i-0000000000000000a", "rdp-1", platform=Platform.WINDOWS, ip="10.0.0.5")
LINUX = make_instance("i-0000000000000000b", "web-1")


@pytest.fixture
def window(qtbot: QtBot) -> InstancesWindow:
    window = InstancesWindow()
    qtbot.addWidget(window)
    window.show_region("prod", "eu-west-1", [WINDOWS, LINUX], False)
    window.show()
    qtbot.waitExposed(window)
    return window


def _row_of(window: InstancesWindow, instance: Instance) -> int:
    rows = [window.model.instance_at(r) for r in range(window.model.rowCount())]
    return rows.index(instance)


def _actions(window: InstancesWindow, instance: Instance) -> dict[str, QAction]:
    menu = window.instance_menu(instance)
    found = {a.text(): a for a in menu.actions() if a.text()}
    for action in list(found.values()):
        submenu = action.menu()
        if isinstance(submenu, QMenu):
            found.update({f"fav {a.text()}": a for a in submenu.actions()})
    return found


def test_double_click_on_a_windows_row_requests_the_default_action(
    window: InstancesWindow, qtbot: QtBot
) -> None:
    row = _row_of(window, WINDOWS)
    index = window.model.index(row, 0)
    rect = window.table.visualRect(index)
    with qtbot.waitSignal(window.default_action_requested) as blocker:
        # QTest directly: pytest-qt's wrappers are untyped (mypy --strict).
        QTest.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QTest.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [WINDOWS]


def test_context_menu_actions_emit_requests(window: InstancesWindow, qtbot: QtBot) -> None:
    actions = _actions(window, WINDOWS)
    expectations = [
        ("Connect: Remote Desktop (RDP)", window.connect_requested, [WINDOWS, TunnelKind.RDP]),
        ("Connect: SSH terminal", window.connect_requested, [WINDOWS, TunnelKind.SSH]),
        ("Connect: Web page (HTTP)", window.connect_requested, [WINDOWS, TunnelKind.HTTP]),
        ("Connect: Web page (HTTPS)", window.connect_requested, [WINDOWS, TunnelKind.HTTPS]),
        ("Connect to another port…", window.custom_port_requested, [WINDOWS]),
        ("Reach a host behind this instance…", window.remote_host_requested, [WINDOWS]),
        ("Copy instance ID", window.copy_requested, ["i-0000000000000000a"]),
        ("Copy private IP", window.copy_requested, ["10.0.0.5"]),
        ("fav Remote Desktop (RDP)", window.favourite_requested, [WINDOWS, TunnelKind.RDP]),
        ("fav SSH terminal", window.favourite_requested, [WINDOWS, TunnelKind.SSH]),
    ]
    for text, signal, args in expectations:
        with qtbot.waitSignal(signal) as blocker:
            actions[text].trigger()
        assert blocker.args == args, text


def test_tunnel_actions_are_disabled_for_an_agent_too_old(window: InstancesWindow) -> None:
    actions = _actions(window, make_instance(agent="2.3.444.0"))
    rdp = actions["Connect: Remote Desktop (RDP)"]
    assert not rdp.isEnabled()
    assert "too old" in rdp.toolTip()
    assert actions["Copy instance ID"].isEnabled()


def test_refresh_action_requests_a_refresh(window: InstancesWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.refresh_requested):
        window.refresh_action.trigger()


def test_region_errors_and_stale_lists_are_shown_inline(window: InstancesWindow) -> None:
    window.show_region("staging", "us-east-1", [make_instance(profile="staging",
                       region="us-east-1")], True)  # fmt: skip
    window.show_region_error(
        "prod", "ap-south-1", "Access denied — ssm:DescribeInstanceInformation"
    )
    texts = window.regions.problem_texts()
    assert "prod / ap-south-1: Access denied — ssm:DescribeInstanceInformation" in texts
    assert any(t.startswith("staging / us-east-1: showing the saved list") for t in texts)
    assert window.regions.problems.isVisible()
    assert "1 could not be read" in window.regions.summary.text()
    window.show_region("prod", "ap-south-1", [], False)  # a fresh answer clears the error
    assert not any(t.startswith("prod / ap-south-1") for t in window.regions.problem_texts())


def test_filter_box_filters_and_counts(window: InstancesWindow) -> None:
    window.filter_edit.setText("rdp")
    assert window.model.rowCount() == 1
    assert window.regions.summary.text() == "Showing 1 of 2 instances in 1 region"
    assert window.statusBar().currentMessage() == ""  # one line of counts, not two


def test_selection_survives_a_region_refresh(window: InstancesWindow) -> None:
    window.table.selectRow(_row_of(window, LINUX))
    window.show_region("dev", "us-east-1", [make_instance("i-0000000000000000c", "aaa",
                       profile="dev", region="us-east-1")], False)  # fmt: skip
    assert window.selected_instance() == LINUX


def test_tunnels_tab_shows_tunnels(window: InstancesWindow) -> None:
    window.show_tunnels([sample_snapshot(1), sample_snapshot(2, TunnelState.FAILED)])
    assert window.tunnels.model.rowCount() == 2
    assert window.tabs.tabText(1) == "Tunnels (1)"


def test_ctrl_f_from_the_table_puts_the_keys_in_the_filter(
    window: InstancesWindow, qtbot: QtBot
) -> None:
    """Issue 17 item 11: Ctrl+F did not reach the filter. From the table (or the tunnels
    tab) it selects the filter's text, so what is typed next replaces it."""
    window.filter_edit.setText("old")
    window.tabs.setCurrentIndex(1)
    window.activateWindow()
    window.tunnels.setFocus()
    qtbot.waitUntil(lambda: window.focusWidget() is not window.filter_edit)
    QTest.keyClick(window.focusWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0
    assert window.filter_edit.hasFocus()
    QTest.keyClicks(window.focusWidget(), "web")
    assert window.filter_edit.text() == "web"
    assert window.model.rowCount() == 1


def test_the_status_bar_shows_only_while_it_has_something_to_say(qtbot: QtBot) -> None:
    """Empty, it was a blank strip under the count line."""
    window = InstancesWindow()
    qtbot.addWidget(window)
    window.show()
    bar = window.statusBar()
    assert not bar.isVisible()
    bar.showMessage("Refreshing…")
    assert bar.isVisible()
    bar.clearMessage()
    assert not bar.isVisible()
