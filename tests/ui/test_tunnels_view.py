"""The tunnels view: rows updated in place, human units, requests."""

from __future__ import annotations

import dataclasses

from pytestqt.qtbot import QtBot

from ssmgui.core.tunnel import TunnelState
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
