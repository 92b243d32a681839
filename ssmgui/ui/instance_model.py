"""The instance table: one model for every profile and region, filled as regions answer.

`InstanceTableModel` holds the rows (sorted in Python, where a key function sorts 10,000 rows
in milliseconds; a proxy's per-comparison `lessThan` would call into Python ~130,000 times).
`InstanceFilterProxyModel` only filters, with the core search language
(`ssmgui.core.instance.parse_filter` / `matches`), and forwards sorting to the source.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from ssmgui.core.instance import (
    MULTIPLEXING_AFTER_AGENT,
    PORT_FORWARDING_MIN_AGENT,
    Instance,
    InstanceFilter,
    PingStatus,
    parse_filter,
)
from ssmgui.core.tunnel import TunnelState
from ssmgui.ui.icons import platform_icon, state_icon
from ssmgui.ui.instance_search import SearchIndex, changed_spans
from ssmgui.ui.instance_sorting import column_keys, default_key

AnyIndex = QModelIndex | QPersistentModelIndex
RegionKey = tuple[str, str]
INSTANCE_ROLE = Qt.ItemDataRole.UserRole + 1


class InstanceColumn(enum.IntEnum):
    NAME = 0
    ID = 1
    PLATFORM = 2
    STATUS = 3
    AGENT = 4
    IP = 5
    PROFILE = 6
    REGION = 7


HEADERS = ("Name", "Instance ID", "Platform", "Status", "Agent", "Private IP", "Profile", "Region")
_STATUS_TEXT = {
    PingStatus.ONLINE: "Online",
    PingStatus.CONNECTION_LOST: "Connection lost",
    PingStatus.INACTIVE: "Inactive",
    PingStatus.UNKNOWN: "Unknown",
}
_STATUS_STATE = {
    PingStatus.ONLINE: TunnelState.READY,
    PingStatus.CONNECTION_LOST: TunnelState.RECONNECTING,
    PingStatus.INACTIVE: TunnelState.STOPPED,
    PingStatus.UNKNOWN: TunnelState.STOPPED,
}
_STALE_COLOUR = QColor("#8a8a8a")
_WARNING_COLOUR = QColor("#b26a00")


def _version(parts: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in parts)


def agent_problem(instance: Instance) -> str:
    """Why this agent limits tunnels, in plain words; "" when it is recent enough."""
    if not instance.supports_port_forwarding:
        return (
            f"SSM Agent {instance.agent_version or '(unknown version)'} is too old for port "
            f"forwarding: tunnels need {_version(PORT_FORWARDING_MIN_AGENT)} or later. "
            "Update the agent on the instance."
        )
    if not instance.supports_multiplexing:
        return (
            f"SSM Agent {instance.agent_version} carries one connection per tunnel "
            f"(multiplexing needs a version after {_version(MULTIPLEXING_AFTER_AGENT)}): "
            "a second client on the same tunnel waits for the first to close."
        )
    return ""


def status_text(instance: Instance) -> str:
    text = _STATUS_TEXT[instance.ping_status]
    if instance.state and instance.state != "running":
        text += f" ({instance.state})"
    return text


class InstanceTableModel(QAbstractTableModel):
    """Instances of every (profile, region), sorted; rows of stale regions are marked.

    Contract: `replace_region` swaps one region's rows (a full reset: cheap, and it keeps the
    sort); `instance_at(row)` is the instance on a source row. `generation` changes whenever
    rows change or move, so a cached per-row result must be rebuilt.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._regions: dict[RegionKey, tuple[Instance, ...]] = {}
        # Each region's rows with their sort keys, sorted by the current column: a rebuild
        # only merges these runs (Timsort finds them), so replacing one region keys only its
        # own rows instead of re-keying all 10,000 (50 ms → a few ms, on the GUI thread).
        self._runs: dict[RegionKey, tuple[list[Any], list[Instance]]] = {}
        self._stale: set[RegionKey] = set()
        self._rows: list[Instance] = []
        self._search = SearchIndex()
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self.generation = 0
        self._italic = QFont()
        self._italic.setItalic(True)

    # --- state changes -------------------------------------------------------------------

    def replace_region(
        self, profile: str, region: str, instances: Iterable[Instance], *, stale: bool
    ) -> None:
        """Show `instances` as the whole content of (profile, region); `stale` marks a cached
        list the region did not confirm just now."""
        self.replace_regions([(profile, region, tuple(instances), stale)])

    def replace_regions(self, updates: Iterable[tuple[str, str, Iterable[Instance], bool]]) -> None:
        """Several regions at once, for one reset: a reset costs the same for one region as
        for twenty (views and the filter proxy revisit every row)."""
        for profile, region, instances, stale in updates:
            key = (profile, region)
            self._regions[key] = tuple(instances)
            self._runs[key] = self._sorted_run(self._regions[key])
            if stale:
                self._stale.add(key)
            else:
                self._stale.discard(key)
        self._rebuild()

    def remove_region(self, profile: str, region: str) -> None:
        """Forget a region (its profile or region was unselected in the settings)."""
        key = (profile, region)
        self._regions.pop(key, None)
        self._runs.pop(key, None)
        self._stale.discard(key)
        self._rebuild()

    def _rebuild(self) -> None:
        self.beginResetModel()
        self._rows = self._merged()
        self.generation += 1
        self.endResetModel()

    def _sort_key(self) -> Callable[[Instance], Any]:
        if self._sort_column < 0:
            return default_key
        column_key = column_keys()[self._sort_column]
        return lambda i: (column_key(i), default_key(i))

    def _sorted_run(self, rows: tuple[Instance, ...]) -> tuple[list[Any], list[Instance]]:
        """`rows` sorted ascending (stable) by the current key, with their keys."""
        key = self._sort_key()
        keys = [key(i) for i in rows]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        return [keys[n] for n in order], [rows[n] for n in order]

    def _merged(self) -> list[Instance]:
        """Every region's run merged in the current order (stable, keys compared only)."""
        keys = [k for run_keys, _ in self._runs.values() for k in run_keys]
        rows = [i for _, run_rows in self._runs.values() for i in run_rows]
        descending = self._sort_column >= 0 and self._sort_order == Qt.SortOrder.DescendingOrder
        order = sorted(range(len(keys)), key=keys.__getitem__, reverse=descending)
        return [rows[n] for n in order]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by `column` (natural order, ties by the default); -1 is the default order."""
        self._sort_column, self._sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        before = {id(self._rows[p.row()]): p for p in self.persistentIndexList()}
        self._runs = {key: self._sorted_run(rows) for key, rows in self._regions.items()}
        self._rows = self._merged()
        self.generation += 1
        after = {id(instance): row for row, instance in enumerate(self._rows)}
        old = list(before.values())
        new = [self.index(after[key], index.column()) for key, index in before.items()]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    # --- reading -------------------------------------------------------------------------

    def instance_at(self, row: int) -> Instance:
        return self._rows[row]

    def is_stale(self, row: int) -> bool:
        instance = self._rows[row]
        return (instance.profile, instance.region) in self._stale

    def total(self) -> int:
        return len(self._rows)

    def region_count(self, profile: str, region: str) -> int:
        return len(self._regions.get((profile, region), ()))

    def refilter_rows(self, first: int, last: int) -> None:
        """Tell proxies that rows first..last may now pass or fail their filter.

        Their data did not change, but a QSortFilterProxyModel re-checks exactly the rows of
        a dataChanged: far cheaper, per keystroke, than re-filtering all 10,000 rows with a
        Python call each."""
        self.dataChanged.emit(self.index(first, 0), self.index(last, 0), [INSTANCE_ROLE])

    def matching_rows(self, search: InstanceFilter) -> list[bool]:
        """One bool per row: does it match `search`? Cached per (generation, search)."""
        return self._search.matching(self.generation, search, self._rows)

    # --- Qt model interface --------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        instance = self._rows[index.row()]
        column = InstanceColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(instance, column)
        if role == INSTANCE_ROLE:
            return instance
        return self._style(instance, column, role)

    def _style(self, instance: Instance, column: InstanceColumn, role: int) -> Any:
        stale = (instance.profile, instance.region) in self._stale
        if role == Qt.ItemDataRole.DecorationRole:
            return _decoration(instance, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(instance, column, stale)
        if role == Qt.ItemDataRole.FontRole and stale:
            return self._italic
        if role == Qt.ItemDataRole.ForegroundRole:
            if stale:
                return _STALE_COLOUR
            if column is InstanceColumn.AGENT and agent_problem(instance):
                return _WARNING_COLOUR
        return None


_DISPLAY: dict[InstanceColumn, Callable[[Instance], str]] = {
    InstanceColumn.NAME: lambda i: i.name or "(no name)",
    InstanceColumn.ID: lambda i: i.instance_id,
    InstanceColumn.PLATFORM: lambda i: i.platform_name or i.platform.value,
    InstanceColumn.STATUS: status_text,
    InstanceColumn.AGENT: lambda i: f"⚠ {i.agent_version}" if agent_problem(i) else i.agent_version,
    InstanceColumn.IP: lambda i: i.private_ip,
    InstanceColumn.PROFILE: lambda i: i.profile,
    InstanceColumn.REGION: lambda i: i.region,
}


def _display(instance: Instance, column: InstanceColumn) -> str:
    return _DISPLAY[column](instance)


def _decoration(instance: Instance, column: InstanceColumn) -> Any:
    if column is InstanceColumn.PLATFORM:
        return platform_icon(instance.platform)
    if column is InstanceColumn.STATUS:
        return state_icon(_STATUS_STATE[instance.ping_status])
    return None


def _tooltip(instance: Instance, column: InstanceColumn, stale: bool) -> str | None:
    if stale:
        return (
            f"From the saved list: {instance.profile} / {instance.region} did not answer just "
            "now, so this row may be out of date."
        )
    if column is InstanceColumn.AGENT:
        return agent_problem(instance) or None
    if column is InstanceColumn.NAME and instance.tags:
        return "\n".join(f"{key} = {value}" for key, value in instance.tags)
    if column is InstanceColumn.IP and instance.public_ip:
        return f"Public IP: {instance.public_ip}"
    return None


class InstanceFilterProxyModel(QSortFilterProxyModel):
    """Filters an `InstanceTableModel` with the core search language; sorting is the source's.

    `set_filter_text` parses once per change; per row it reads the source's cached match list.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._search = parse_filter("")
        self._model = InstanceTableModel(self)
        self._accepted: list[bool] = []
        self._accepted_generation = -1
        super().setSourceModel(self._model)

    def setSourceModel(self, source_model: QAbstractItemModel) -> None:  # noqa: N802
        """Only an `InstanceTableModel` can be filtered here."""
        if not isinstance(source_model, InstanceTableModel):
            raise TypeError("InstanceFilterProxyModel filters an InstanceTableModel")
        self._model = source_model
        self._accepted_generation = -1
        super().setSourceModel(source_model)

    def set_filter_text(self, text: str) -> None:
        """Filter by `text` (see `ssmgui.core.instance.parse_filter`)."""
        search = parse_filter(text)
        if search == self._search:
            return  # e.g. a trailing space: same search, no work
        before = self._current_matches()
        after = None if search.empty else self._model.matching_rows(search)
        spans = changed_spans(before, after)
        if sum(last - first + 1 for first, last in spans) * 2 > self._model.total():
            self.beginFilterChange()
            self._set_search(search, after)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
            return
        self._set_search(search, after)
        for first, last in spans:
            self._model.refilter_rows(first, last)

    def _current_matches(self) -> list[bool] | None:
        if self._search.empty:
            return None
        if self._accepted_generation != self._model.generation:
            self._accepted = self._model.matching_rows(self._search)
            self._accepted_generation = self._model.generation
        return self._accepted

    def _set_search(self, search: InstanceFilter, accepted: list[bool] | None) -> None:
        self._search = search
        self._accepted = accepted or []
        self._accepted_generation = self._model.generation if accepted is not None else -1

    def source(self) -> InstanceTableModel:
        return self._model

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:  # noqa: N802
        # Called from C++ once per row (~2 µs each): keep it to a list lookup.
        if self._search.empty:
            return True
        if self._accepted_generation != self._model.generation:
            self._accepted = self._model.matching_rows(self._search)
            self._accepted_generation = self._model.generation
        return self._accepted[source_row]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.source().sort(column, order)

    def instance_at(self, row: int) -> Instance:
        """The instance on proxy row `row`."""
        return self.source().instance_at(self.mapToSource(self.index(row, 0)).row())
