"""The instance model and its filter proxy: content, order, search semantics, regions."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ssmgui.core.instance import PingStatus, Platform, filter_instances
from ssmgui.ui.instance_model import (
    INSTANCE_ROLE,
    InstanceColumn,
    InstanceFilterProxyModel,
    InstanceTableModel,
)
from ssmgui.ui.instance_search import changed_spans
from ssmgui.ui.instance_sorting import column_keys, default_key, natural_key
from tests.ui.sample_fleet import make_instance, sample_fleet


@pytest.fixture
def models(qtbot: QtBot) -> tuple[InstanceTableModel, InstanceFilterProxyModel]:
    model = InstanceTableModel()
    proxy = InstanceFilterProxyModel()
    proxy.setSourceModel(model)
    return model, proxy


def _names(proxy: InstanceFilterProxyModel) -> list[str]:
    return [proxy.instance_at(row).display_name for row in range(proxy.rowCount())]


def test_columns_show_the_instance(
    models: tuple[InstanceTableModel, InstanceFilterProxyModel],
) -> None:
    model, _ = models
    old = make_instance(
        "i-00000000000000001", "legacy", agent="2.3.444.0", platform=Platform.WINDOWS
    )
    model.replace_region("prod", "eu-west-1", [old], stale=False)
    row = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert row == ["legacy", "i-00000000000000001", "Windows", "Online", "⚠ 2.3.444.0",
                   "10.0.0.10", "prod", "eu-west-1"]  # fmt: skip
    tip = model.data(model.index(0, InstanceColumn.AGENT), Qt.ItemDataRole.ToolTipRole)
    assert "too old for port forwarding" in tip
    assert model.data(model.index(0, 0), INSTANCE_ROLE) is old
    assert model.instance_at(0) is old


def test_agent_without_multiplexing_is_flagged(
    models: tuple[InstanceTableModel, InstanceFilterProxyModel],
) -> None:
    model, _ = models
    model.replace_region("prod", "eu-west-1", [make_instance(agent="3.0.161.0")], stale=False)
    tip = model.data(model.index(0, InstanceColumn.AGENT), Qt.ItemDataRole.ToolTipRole)
    assert "one connection per tunnel" in tip


def test_default_order_is_online_first_then_natural_name(
    models: tuple[InstanceTableModel, InstanceFilterProxyModel],
) -> None:
    model, proxy = models
    model.replace_region(
        "prod",
        "eu-west-1",
        [
            make_instance("i-00000000000000001", "web-10"),
            make_instance("i-00000000000000002", "alpha", ping=PingStatus.CONNECTION_LOST),
            make_instance("i-00000000000000003", "web-2"),
            make_instance("i-00000000000000004", ""),
        ],
        stale=False,
    )
    assert _names(proxy) == ["web-10", "web-2", "i-00000000000000004", "alpha"]
    proxy.sort(InstanceColumn.NAME, Qt.SortOrder.AscendingOrder)
    assert _names(proxy) == ["alpha", "web-2", "web-10", "i-00000000000000004"]
    proxy.sort(InstanceColumn.IP, Qt.SortOrder.DescendingOrder)
    proxy.sort(-1)
    assert _names(proxy)[0] == "web-10"


def test_natural_key() -> None:
    assert sorted(["web-10", "web-2", "Web-1"], key=natural_key) == ["Web-1", "web-2", "web-10"]


def test_progressive_fill_across_regions(
    models: tuple[InstanceTableModel, InstanceFilterProxyModel],
) -> None:
    model, proxy = models
    model.replace_region(
        "prod", "eu-west-1", [make_instance("i-00000000000000001", "a")], stale=False
    )
    assert proxy.rowCount() == 1
    other = make_instance("i-00000000000000002", "b", profile="dev", region="us-east-1")
    model.replace_region("dev", "us-east-1", [other], stale=False)
    assert _names(proxy) == ["a", "b"]
    # The region answers again with a different list: only its rows change.
    model.replace_region(
        "prod", "eu-west-1", [make_instance("i-00000000000000003", "c")], stale=False
    )
    assert _names(proxy) == ["b", "c"]
    model.remove_region("dev", "us-east-1")
    assert _names(proxy) == ["c"]


def test_stale_rows_are_greyed_italic_with_a_tooltip(
    models: tuple[InstanceTableModel, InstanceFilterProxyModel],
) -> None:
    model, _ = models
    model.replace_region("prod", "eu-west-1", [make_instance()], stale=True)
    index = model.index(0, InstanceColumn.NAME)
    assert model.is_stale(0)
    assert model.data(index, Qt.ItemDataRole.FontRole).italic()
    assert model.data(index, Qt.ItemDataRole.ForegroundRole) is not None
    assert "did not answer" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    model.replace_region("prod", "eu-west-1", [make_instance()], stale=False)
    assert not model.is_stale(0)
    assert model.data(index, Qt.ItemDataRole.FontRole) is None


@pytest.mark.parametrize(
    "text",
    ["", "web", "WEB eu-west", "env=prod", "env=", "team=data prod", "10.1", '"prod-web', "i-0a",
     "windows"],
)  # fmt: skip
def test_filter_equals_the_core_semantics(
    models: tuple[InstanceTableModel, InstanceFilterProxyModel], text: str
) -> None:
    model, proxy = models
    fleet = sample_fleet(600)
    for (profile, region), instances in fleet.items():
        model.replace_region(profile, region, instances, stale=False)
    proxy.set_filter_text(text)
    shown = {proxy.instance_at(row).instance_id for row in range(proxy.rowCount())}
    everything = [i for rows in fleet.values() for i in rows]
    assert shown == {i.instance_id for i in filter_instances(everything, text)}


def test_filter_keystrokes_stay_consistent(
    models: tuple[InstanceTableModel, InstanceFilterProxyModel],
) -> None:
    """Typing and erasing (the incremental path) always shows what a fresh filter shows."""
    model, proxy = models
    fleet = sample_fleet(800, seed=3)
    for (profile, region), instances in fleet.items():
        model.replace_region(profile, region, instances, stale=False)
    everything = [i for rows in fleet.values() for i in rows]
    typed = "prod-web-1"
    for text in [typed[:n] for n in range(1, len(typed) + 1)] + ["prod-w", "", "env=dev", "env=de"]:
        proxy.set_filter_text(text)
        shown = [proxy.instance_at(row).instance_id for row in range(proxy.rowCount())]
        expected = {i.instance_id for i in filter_instances(everything, text)}
        assert set(shown) == expected, text
        assert len(shown) == len(expected)
    # A region arriving while a filter is active is filtered too.
    proxy.set_filter_text("env=prod")
    model.replace_region("new", "eu-north-1", [make_instance(tags=(("env", "prod"),),
                         profile="new", region="eu-north-1")], stale=False)  # fmt: skip
    assert any(proxy.instance_at(r).profile == "new" for r in range(proxy.rowCount()))


def test_changed_spans_merge_close_rows() -> None:
    assert changed_spans(None, None) == []
    assert changed_spans(None, [True, False, True, False]) == [(1, 3)]
    rng = random.Random(1)
    before = [rng.random() < 0.5 for _ in range(100)]
    after = [rng.random() < 0.5 for _ in range(100)]
    covered = {r for first, last in changed_spans(before, after) for r in range(first, last + 1)}
    assert {r for r in range(100) if before[r] != after[r]} <= covered


def test_replacing_one_region_keeps_the_whole_table_in_order() -> None:
    """Rows are kept as per-region sorted runs and merged: the result must equal one sort of
    every row, in the default order and by a column, ascending and descending."""
    fleet = sample_fleet(600)
    model = InstanceTableModel()
    for (profile, region), instances in fleet.items():
        model.replace_region(profile, region, instances, stale=False)
    first = next(iter(fleet))
    fleet[first] = fleet[first][::2]
    model.replace_region(*first, fleet[first], stale=False)
    every = [i for rows in fleet.values() for i in rows]
    shown = [model.instance_at(row) for row in range(model.total())]
    assert shown == sorted(every, key=default_key)
    for column in (InstanceColumn.NAME, InstanceColumn.IP):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model.sort(column, order)
            model.replace_region(*first, fleet[first][1:], stale=False)
            fleet[first] = fleet[first][1:]
            every = [i for rows in fleet.values() for i in rows]
            key = column_keys()[column]
            expected = sorted(
                every,
                key=lambda i: (key(i), default_key(i)),
                reverse=order == Qt.SortOrder.DescendingOrder,
            )
            assert [model.instance_at(row) for row in range(model.total())] == expected
