"""The instance model: content, order, search semantics, regions, and Qt's model rules."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ssmgui.core.instance import PingStatus, Platform, filter_instances, parse_filter, sort_key
from ssmgui.ui.instance_model import INSTANCE_ROLE, InstanceColumn, InstanceTableModel
from ssmgui.ui.instance_rows import narrows
from ssmgui.ui.instance_sorting import column_keys, default_key, natural_key
from tests.ui.sample_fleet import make_instance, sample_fleet


@pytest.fixture
def model(qtbot: QtBot) -> InstanceTableModel:
    return InstanceTableModel()


def _names(model: InstanceTableModel) -> list[str]:
    return [model.instance_at(row).display_name for row in range(model.rowCount())]


def test_columns_show_the_instance(
    model: InstanceTableModel,
) -> None:
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


def test_the_profile_tooltip_reads_an_sso_pairs_account_and_role(
    model: InstanceTableModel,
) -> None:
    """The Profile column cuts `demo-sso:demo-production/Ops`: its tooltip shows it whole,
    with the account and the role readable; a profile's shows its whole name."""
    pair = "demo-sso:demo-production/Ops"
    ours = make_instance("i-00000000000000001", profile=pair)
    model.replace_region(pair, "eu-west-1", [ours], stale=False)
    model.replace_region("prod", "eu-west-1", [make_instance("i-00000000000000002")], stale=False)
    tips = {
        model.instance_at(row).profile: model.data(
            model.index(row, InstanceColumn.PROFILE), Qt.ItemDataRole.ToolTipRole
        )
        for row in range(model.rowCount())
    }
    assert tips == {
        pair: f"{pair}\nAccount demo-production, role Ops (IAM Identity Center demo-sso)",
        "prod": "prod",
    }


def test_agent_without_multiplexing_is_flagged(
    model: InstanceTableModel,
) -> None:
    model.replace_region("prod", "eu-west-1", [make_instance(agent="3.0.161.0")], stale=False)
    tip = model.data(model.index(0, InstanceColumn.AGENT), Qt.ItemDataRole.ToolTipRole)
    assert "one connection per tunnel" in tip


def test_default_order_is_online_first_then_natural_name(
    model: InstanceTableModel,
) -> None:
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
    assert _names(model) == ["web-10", "web-2", "i-00000000000000004", "alpha"]
    model.sort(InstanceColumn.NAME, Qt.SortOrder.AscendingOrder)
    assert _names(model) == ["alpha", "web-2", "web-10", "i-00000000000000004"]
    model.sort(InstanceColumn.IP, Qt.SortOrder.DescendingOrder)
    model.sort(-1)
    assert _names(model)[0] == "web-10"


def test_natural_key() -> None:
    assert sorted(["web-10", "web-2", "Web-1"], key=natural_key) == ["Web-1", "web-2", "web-10"]


def test_progressive_fill_across_regions(
    model: InstanceTableModel,
) -> None:
    model.replace_region(
        "prod", "eu-west-1", [make_instance("i-00000000000000001", "a")], stale=False
    )
    assert model.rowCount() == 1
    other = make_instance("i-00000000000000002", "b", profile="dev", region="us-east-1")
    model.replace_region("dev", "us-east-1", [other], stale=False)
    assert _names(model) == ["a", "b"]
    # The region answers again with a different list: only its rows change.
    model.replace_region(
        "prod", "eu-west-1", [make_instance("i-00000000000000003", "c")], stale=False
    )
    assert _names(model) == ["b", "c"]
    model.remove_region("dev", "us-east-1")
    assert _names(model) == ["c"]


def test_stale_rows_are_greyed_italic_with_a_tooltip(
    model: InstanceTableModel,
) -> None:
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
def test_filter_equals_the_core_semantics(model: InstanceTableModel, text: str) -> None:
    fleet = sample_fleet(600)
    for (profile, region), instances in fleet.items():
        model.replace_region(profile, region, instances, stale=False)
    model.set_filter_text(text)
    shown = {model.instance_at(row).instance_id for row in range(model.rowCount())}
    everything = [i for rows in fleet.values() for i in rows]
    assert shown == {i.instance_id for i in filter_instances(everything, text)}


def test_filter_keystrokes_stay_consistent(
    model: InstanceTableModel,
) -> None:
    """Typing and erasing always shows what a fresh filter shows, in table order."""
    fleet = sample_fleet(800, seed=3)
    for (profile, region), instances in fleet.items():
        model.replace_region(profile, region, instances, stale=False)
    everything = [i for rows in fleet.values() for i in rows]
    typed = "prod-web-1"
    model.sort(InstanceColumn.IP, Qt.SortOrder.DescendingOrder)
    table_order = [model.instance_at(row) for row in range(model.rowCount())]
    for text in [typed[:n] for n in range(1, len(typed) + 1)] + ["prod-w", "", "env=dev", "env=de"]:
        model.set_filter_text(text)
        shown = [model.instance_at(row) for row in range(model.rowCount())]
        assert shown == filter_instances(table_order, text), text
        assert model.total() == len(everything)
    # A region arriving while a filter is active is filtered too.
    model.set_filter_text("env=prod")
    model.replace_region("new", "eu-north-1", [make_instance(tags=(("env", "prod"),),
                         profile="new", region="eu-north-1")], stale=False)  # fmt: skip
    assert any(model.instance_at(r).profile == "new" for r in range(model.rowCount()))


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


def test_the_model_keeps_qt_model_rules_through_every_change(
    model: InstanceTableModel, qtmodeltester: ModelTester
) -> None:
    """Qt's own QAbstractItemModelTester watches every signal and index while the model is
    filled, filtered, sorted and emptied."""
    check: Callable[..., None] = qtmodeltester.check  # pytest-qt is untyped
    check(model, force_py=False)  # Qt's C++ tester: its warnings fail the test
    fleet = sample_fleet(300, seed=5)
    for (profile, region), instances in fleet.items():
        model.replace_region(profile, region, instances, stale=False)
    for text in ("w", "we", "web", "env=prod", "", "nothing-matches-this"):
        model.set_filter_text(text)
    model.set_filter_text("")
    model.sort(InstanceColumn.NAME, Qt.SortOrder.DescendingOrder)
    first_region = next(iter(fleet))
    model.remove_region(*first_region)
    assert model.total() == sum(len(rows) for rows in fleet.values()) - len(fleet[first_region])


def test_sorting_keeps_persistent_indexes_on_their_instance(model: InstanceTableModel) -> None:
    """A view's selection and current row are persistent indexes: sorting must move them
    with their instance."""
    fleet = sample_fleet(200, seed=7)
    for (profile, region), instances in fleet.items():
        model.replace_region(profile, region, instances, stale=False)
    model.set_filter_text("prod")
    watched = model.instance_at(5)
    persistent = QPersistentModelIndex(model.index(5, InstanceColumn.IP))
    model.sort(InstanceColumn.IP, Qt.SortOrder.AscendingOrder)
    assert model.instance_at(persistent.row()) is watched
    assert persistent.column() == InstanceColumn.IP


@pytest.mark.parametrize("column", [-1, InstanceColumn.NAME, InstanceColumn.IP])
@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
@pytest.mark.parametrize("text", ["", "prod", "env=dev"])
def test_row_of_finds_each_shown_instance(
    model: InstanceTableModel, column: int, order: Qt.SortOrder, text: str
) -> None:
    """`row_of` (a binary search, used to keep the selection) agrees with a scan of every
    shown row, in every order and under a filter; hidden instances have no row."""
    fleet = sample_fleet(400, seed=11)
    for (profile, region), instances in fleet.items():
        model.replace_region(profile, region, instances, stale=False)
    model.sort(column, order)
    model.set_filter_text(text)
    shown = [model.instance_at(row) for row in range(model.rowCount())]
    for row, instance in enumerate(shown):
        assert model.row_of(instance.profile, instance.region, instance.instance_id) == row
    hidden = {i.instance_id for rows in fleet.values() for i in rows} - {
        i.instance_id for i in shown
    }
    for instance in (i for rows in fleet.values() for i in rows if i.instance_id in hidden):
        assert model.row_of(instance.profile, instance.region, instance.instance_id) is None
    assert model.row_of("prod", "eu-west-1", "i-0000000000fffffff") is None


def test_replacing_regions_while_filtered_keeps_order_and_filter(model: InstanceTableModel) -> None:
    """Regions answering while a filter is typed in: the table is what a fresh sort and
    filter of everything held would show (the search texts of arriving rows are merged in)."""
    fleet = sample_fleet(600, seed=13)
    for (profile, region), instances in fleet.items():
        model.replace_region(profile, region, instances, stale=False)
    model.sort(InstanceColumn.NAME, Qt.SortOrder.DescendingOrder)
    model.set_filter_text("web env=prod")
    regions = list(fleet)
    fleet[regions[0]] = fleet[regions[0]][::3]
    fleet[regions[1]] = []
    model.replace_regions([(*regions[0], fleet[regions[0]], False), (*regions[1], [], True)])
    every = [i for rows in fleet.values() for i in rows]
    key = column_keys()[InstanceColumn.NAME]
    expected = sorted(every, key=lambda i: (key(i), default_key(i)), reverse=True)
    assert model.total() == len(every)
    shown = [model.instance_at(row) for row in range(model.rowCount())]
    assert shown == filter_instances(expected, "web env=prod")


def test_narrows_only_when_every_earlier_term_is_kept() -> None:
    """Typing on searches only the rows the last search found: that is right only when
    the new search cannot match anything the old one did not."""
    assert narrows(parse_filter("prod-w"), parse_filter("prod"))
    assert narrows(parse_filter("web eu-west"), parse_filter("eu"))
    assert narrows(parse_filter("env=prod web"), parse_filter("env=prod"))
    assert not narrows(parse_filter("pro"), parse_filter("prod"))  # erasing widens
    assert not narrows(parse_filter("env=prod"), parse_filter("env=pro"))  # tags are exact
    assert not narrows(parse_filter("web"), parse_filter("env=prod"))


def test_the_default_key_string_orders_as_the_tuple_it_stands_for() -> None:
    """default_key is one string for speed; it must order exactly as (not online, *sort_key)."""
    names = ["web", "web-1", "Web", "", "wéb", "web 2", "a", "zz", "web\u00a0"]
    rows = [
        make_instance(f"i-{n:017x}", name, profile=profile, region=region, ping=ping)
        for n, (name, profile, region, ping) in enumerate(
            (name, profile, region, ping)
            for name in names
            for profile in ("prod", "prod-eu", "dev")
            for region in ("eu-west-1", "eu-west-10")
            for ping in (PingStatus.ONLINE, PingStatus.CONNECTION_LOST)
        )
    ]
    random.Random(3).shuffle(rows)
    assert sorted(rows, key=default_key) == sorted(rows, key=lambda i: (not i.online, *sort_key(i)))


def test_an_old_agent_is_coloured_and_the_colour_goes_with_it(model: InstanceTableModel) -> None:
    """The style roles are answered only while a row needs them (for painting speed): an
    old agent's version is coloured; once no row has one, no cell has a colour or a font."""
    old = make_instance("i-00000000000000001", "legacy", agent="2.3.444.0")
    recent = make_instance("i-00000000000000002", "fresh")
    model.replace_region("prod", "eu-west-1", [old, recent], stale=False)
    row = model.row_of("prod", "eu-west-1", old.instance_id)
    assert row is not None
    assert model.data(model.index(row, InstanceColumn.AGENT), Qt.ItemDataRole.ForegroundRole)
    other = 1 - row
    assert (
        model.data(model.index(other, InstanceColumn.AGENT), Qt.ItemDataRole.ForegroundRole) is None
    )
    model.replace_region("prod", "eu-west-1", [recent], stale=False)
    index = model.index(0, InstanceColumn.AGENT)
    assert model.data(index, Qt.ItemDataRole.ForegroundRole) is None
    assert model.data(index, Qt.ItemDataRole.FontRole) is None
