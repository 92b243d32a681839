"""The tunnels view: rows updated in place, human units, requests."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from ssmgui.core.tunnel import TunnelKind, TunnelState
from ssmgui.ui.instances_window import InstancesWindow
from ssmgui.ui.tunnel_columns import fit_title
from ssmgui.ui.tunnels_model import TunnelColumn, human_bytes, human_duration
from ssmgui.ui.tunnels_view import TunnelsView
from tests.ui.sample_fleet import sample_snapshot


def test_human_units() -> None:
    assert [human_bytes(n) for n in (0, 1023, 1536, 15 * 1024**2, 3 * 1024**4)] == [
        "0 B", "1023 B", "1.5 KB", "15 MB", "3.0 TB"
    ]  # fmt: skip
    assert [human_duration(s) for s in (59, 125, 3725, 2 * 86400 + 3600)] == [
        "59 s", "2 min", "1 h 02 min", "2 d 1 h"
    ]  # fmt: skip


def test_update_snapshot_changes_one_row_in_place(qtbot: QtBot) -> None:
    view = TunnelsView()
    qtbot.addWidget(view)
    view.show_tunnels([sample_snapshot(1), sample_snapshot(2)])
    model = view.model
    resets: list[object] = []
    model.modelReset.connect(lambda: resets.append(1))
    first = model.index(0, 0)
    newer = dataclasses.replace(sample_snapshot(2, TunnelState.RECONNECTING), reconnects=3)
    with qtbot.waitSignal(model.dataChanged) as blocker:
        view.update_snapshot(newer)
    assert blocker.args[0].row() == 1
    assert not resets
    assert model.rowCount() == 2
    assert model.data(model.index(1, TunnelColumn.STATE)) == "Reconnecting"
    assert model.data(model.index(1, TunnelColumn.RECONNECTS)) == "3"
    assert model.index(0, 0) == first
    view.update_snapshot(sample_snapshot(7))
    assert model.rowCount() == 3


def test_row_content(qtbot: QtBot) -> None:
    view = TunnelsView()
    qtbot.addWidget(view)
    view.show_tunnels([sample_snapshot(1, bytes_down=15 * 1024**2, detail="ready")])
    model = view.model
    row = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert row[TunnelColumn.STATE] == "Ready"
    assert row[TunnelColumn.TITLE] == "RDP i-0123456789abcde01"
    assert row[TunnelColumn.ADDRESS] == "127.0.0.1:55001"
    assert row[TunnelColumn.DOWN] == "15 MB"
    assert row[TunnelColumn.CONNECTIONS] == "1 open · 3 total"
    assert row[TunnelColumn.UPTIME] == "1 h 02 min"


def test_actions_emit_requests_for_the_selected_tunnel(qtbot: QtBot) -> None:
    view = TunnelsView()
    qtbot.addWidget(view)
    view.show_tunnels([sample_snapshot(1), sample_snapshot(4)])
    assert not view.stop_action.isEnabled()
    view.select_tunnel(4)
    with qtbot.waitSignal(view.stop_requested) as stop:
        view.stop_action.trigger()
    with qtbot.waitSignal(view.reopen_requested) as reopen:
        view.reopen_action.trigger()
    with qtbot.waitSignal(view.copy_requested) as copy:
        view.copy_action.trigger()
    assert (stop.args, reopen.args, copy.args) == ([4], [4], ["127.0.0.1:55004"])
    view.update_snapshot(sample_snapshot(4, TunnelState.STOPPED))
    assert not view.stop_action.isEnabled()


def test_a_first_tunnel_shows_the_table_instead_of_no_tunnels_open(qtbot: QtBot) -> None:
    """A new tunnel's first snapshot is a row insert: the table must show at once (it stayed
    behind "No tunnels open" with 7 tunnels open)."""
    view = TunnelsView()
    qtbot.addWidget(view)
    view.show()
    assert view.empty_label.isVisible() and not view.table.isVisible()
    view.update_snapshot(sample_snapshot(1, TunnelState.STARTING))
    assert view.table.isVisible() and not view.empty_label.isVisible()


def test_the_tab_title_counts_the_tunnels_not_yet_ended(qtbot: QtBot) -> None:
    window = InstancesWindow()
    qtbot.addWidget(window)
    window.update_tunnel(sample_snapshot(1, TunnelState.STARTING))
    window.update_tunnel(sample_snapshot(2))
    assert window.tabs.tabText(1) == "Tunnels (2)"
    window.update_tunnel(sample_snapshot(1, TunnelState.FAILED))
    assert window.tabs.tabText(1) == "Tunnels (1)"
    window.update_tunnel(sample_snapshot(2, TunnelState.STOPPED))
    assert window.tabs.tabText(1) == "Tunnels"


def test_the_rate_compares_each_snapshot_with_the_one_before(qtbot: QtBot) -> None:
    view = TunnelsView()
    qtbot.addWidget(view)
    first = sample_snapshot(1)
    view.update_snapshot(first)
    rate = view.model.index(0, TunnelColumn.RATE)
    assert view.model.data(rate) == "—"
    later = dataclasses.replace(
        first,
        uptime_s=first.uptime_s + 2,
        stats=dataclasses.replace(first.stats, bytes_up=first.stats.bytes_up + 4096,
                                  bytes_down=first.stats.bytes_down + 2 * 1024**2),
    )  # fmt: skip
    view.update_snapshot(later)
    assert view.model.data(rate) == "↑2.0 KB/s ↓1.0 MB/s"
    view.update_snapshot(dataclasses.replace(later, state=TunnelState.STOPPED))
    assert view.model.data(rate) == "—"


def test_a_failed_tunnel_has_no_address_and_finished_rows_can_be_cleared(qtbot: QtBot) -> None:
    view = TunnelsView()
    qtbot.addWidget(view)
    failed = dataclasses.replace(sample_snapshot(1, TunnelState.FAILED), local_port=0)
    view.show_tunnels([failed, sample_snapshot(2)])
    assert view.model.data(view.model.index(0, TunnelColumn.ADDRESS)) == "—"
    assert view.clear_action.isEnabled()
    with qtbot.waitSignal(view.clear_requested):
        view.clear_action.trigger()
    view.show_tunnels([sample_snapshot(2)])
    assert not view.clear_action.isEnabled()


def test_a_custom_tunnel_offers_no_client_to_open(qtbot: QtBot) -> None:
    view = TunnelsView()
    qtbot.addWidget(view)
    view.show()
    custom = dataclasses.replace(
        sample_snapshot(3),
        spec=dataclasses.replace(sample_snapshot(3).spec, kind=TunnelKind.CUSTOM),
    )
    view.show_tunnels([custom])
    view.select_tunnel(3)
    assert not view.reopen_action.isEnabled()
    assert view.copy_action.isEnabled() and view.stop_action.isEnabled()
    asked: list[int] = []
    view.reopen_requested.connect(asked.append)
    rect = view.table.visualRect(view.model.index(0, TunnelColumn.TITLE))
    QTest.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert asked == []


def test_the_view_says_when_it_is_on_the_screen(qtbot: QtBot) -> None:
    window = InstancesWindow()
    qtbot.addWidget(window)
    shown: list[bool] = []
    window.tunnels.shown_changed.connect(shown.append)
    window.show()
    window.tabs.setCurrentWidget(window.tunnels)
    window.tabs.setCurrentIndex(0)
    window.tabs.setCurrentWidget(window.tunnels)
    window.hide()
    assert shown == [True, False, True, False]


def test_a_poll_updates_every_listed_row_with_one_change(qtbot: QtBot) -> None:
    view = TunnelsView()
    qtbot.addWidget(view)
    view.show_tunnels([sample_snapshot(1), sample_snapshot(2)])
    changes: list[tuple[int, int, int, int]] = []
    view.model.dataChanged.connect(
        lambda first, last: changes.append((first.row(), first.column(), last.row(), last.column()))
    )
    later = [dataclasses.replace(sample_snapshot(n), uptime_s=3726.0) for n in (1, 2, 9)]
    view.update_figures(later)
    assert changes == [(0, TunnelColumn.UP, 1, TunnelColumn.DETAIL)]
    assert view.model.rowCount() == 2  # a tunnel not listed yet is not added by a poll
    assert view.model.data(view.model.index(1, TunnelColumn.RATE)) == "↑0 B/s ↓0 B/s"


def test_the_default_window_shows_every_column_that_matters_without_scrolling(
    qtbot: QtBot,
) -> None:
    """At the window's default width the table needed a horizontal scrollbar, Reconnects
    was cut off and the title lost its profile and account, while Rate and Connections
    had room to spare."""
    window = InstancesWindow()
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentWidget(window.tunnels)
    view = window.tunnels
    title = "RDP demo-rdp-with-a-much-longer-name-than-most — demo-prod (acme-production)"
    first = sample_snapshot(1)
    first = dataclasses.replace(
        first, spec=dataclasses.replace(first.spec, label=title), uptime_s=10.0,
        client="xterm exited with status 255",
    )  # fmt: skip
    view.show_tunnels([first, sample_snapshot(2, TunnelState.RECONNECTING)])
    later = dataclasses.replace(
        first, uptime_s=11.0, stats=dataclasses.replace(
            first.stats, bytes_up=999 * 1024, bytes_down=999 * 1024**2, open_connections=12,
            total_connections=99,
        ),
    )  # fmt: skip
    view.update_figures([later])
    table = view.table
    qtbot.waitUntil(lambda: table.isVisible() and table.viewport().width() > 1000)
    assert table.horizontalScrollBar().maximum() == 0, "a horizontal scrollbar"
    header = table.horizontalHeader()
    metrics = table.fontMetrics()
    shown = [c for c in TunnelColumn if not header.isSectionHidden(c)]
    assert set(TunnelColumn) - set(shown) == {TunnelColumn.MODE, TunnelColumn.DETAIL}
    for column in shown:
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert right <= table.viewport().width(), f"{column.name} is cut off"
    for column in set(shown) - {TunnelColumn.TITLE, TunnelColumn.CLIENT, TunnelColumn.DETAIL}:
        for row in range(2):
            text = str(view.model.data(view.model.index(row, column)))
            icon = 20 if column is TunnelColumn.STATE else 0
            assert metrics.horizontalAdvance(text) + icon < header.sectionSize(column), (
                f"{column.name}: {text!r} does not fit"
            )
    # A title too long for its column loses the middle of its instance name, never its
    # profile and account; its tooltip has it whole.
    room = header.sectionSize(TunnelColumn.TITLE) - 30
    shown_title = fit_title(title, metrics, room)
    assert shown_title.endswith(" — demo-prod (acme-production)"), shown_title
    assert shown_title.startswith("RDP demo-rdp") and "…" in shown_title
    tooltip = view.model.data(view.model.index(0, TunnelColumn.TITLE), Qt.ItemDataRole.ToolTipRole)
    assert tooltip.startswith(title)


def test_the_demo_title_shows_whole_and_details_only_while_a_tunnel_has_them(
    qtbot: QtBot,
) -> None:
    window = InstancesWindow()
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentWidget(window.tunnels)
    view = window.tunnels
    first = sample_snapshot(1)
    title = "RDP demo-rdp — demo-dev (333333333333)"
    first = dataclasses.replace(first, spec=dataclasses.replace(first.spec, label=title))
    view.show_tunnels([first])
    table, header = view.table, view.table.horizontalHeader()
    qtbot.waitUntil(lambda: table.isVisible() and table.viewport().width() > 1000)
    room = header.sectionSize(TunnelColumn.TITLE) - 30
    assert fit_title(title, table.fontMetrics(), room) == title
    assert header.isSectionHidden(TunnelColumn.DETAIL)
    assert table.horizontalScrollBar().maximum() == 0
    view.update_snapshot(dataclasses.replace(first, state=TunnelState.FAILED, detail="Lost."))
    assert not header.isSectionHidden(TunnelColumn.DETAIL)
    assert table.horizontalScrollBar().maximum() == 0


def test_a_finished_tunnel_says_how_long_it_was_up() -> None:
    assert [human_duration(s, tenths=True) for s in (0.01, 0.84, 9.5, 75)] == [
        "<0.1 s", "0.8 s", "9.5 s", "1 min"
    ]  # fmt: skip
