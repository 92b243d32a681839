"""The instance table: one model for every profile and region, filled as regions answer.

`InstanceTableModel` is what the table view shows: the rows of `InstanceRows` (sorted and
filtered in Python, see instance_rows.py) and how each cell looks.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QColor, QFont, QIcon

from ssmgui.core.instance import (
    MULTIPLEXING_AFTER_AGENT,
    PORT_FORWARDING_MIN_AGENT,
    Instance,
    PingStatus,
    parse_filter,
)
from ssmgui.core.sso_roles import label_parts
from ssmgui.core.tunnel import TunnelState
from ssmgui.ui.headed_table import AnyIndex, HeadedTableModel
from ssmgui.ui.icons import platform_icon, state_icon
from ssmgui.ui.instance_rows import InstanceRows
from ssmgui.ui.profile_marks import ProfileMarks

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


def startable(instance: Instance) -> bool:
    """Whether "Start and connect" is offered: an EC2 instance (not hybrid) that EC2
    reports stopped, and so offline."""
    return instance.state == "stopped" and not instance.hybrid and not instance.online


def stopped_problem(instance: Instance) -> str:
    """What a connection to a stopped instance is told (see `startable`)."""
    return (
        f"{instance.display_name} ({instance.instance_id}) is stopped, so it is not connected "
        "to Session Manager. Right-click it (or open its entry in the tray menu) and choose "
        "Start and connect: ssmgui starts it and connects once it is online."
    )


def status_text(instance: Instance) -> str:
    """The agent's status; for an offline instance EC2 does not report running, EC2's
    state ("Stopped", not "Connection lost": the agent is not lost, the machine is off)."""
    if instance.state and instance.state != "running" and not instance.online:
        return instance.state.capitalize()
    text = _STATUS_TEXT[instance.ping_status]
    if instance.state and instance.state != "running":
        text += f" ({instance.state})"
    return text


class CellLook(NamedTuple):
    """What one cell shows: what the display, decoration, font and foreground roles say,
    and the profile's mark colour as a stripe at the row's start (the name cell)."""

    text: str
    icon: QIcon | None
    italic: bool
    colour: QColor | None
    stripe: QColor | None = None


class InstanceTableModel(HeadedTableModel):
    """Instances of every (profile, region), sorted and filtered; stale regions' rows marked.

    The table shows the rows the filter lets through (`instance_at(row)`); `total()` counts
    every row. Rows are sorted and filtered in Python (`InstanceRows`), not by a
    QSortFilterProxyModel: a proxy calls into Python once per row per keystroke and once per
    comparison when sorting. A change of content or filter is one
    model reset (the view re-reads only the rows on screen); views keep their selection
    across it by instance (see `InstancesWindow`). Sorting keeps persistent indexes.
    """

    headers = HEADERS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all = InstanceRows()
        self._search = parse_filter("")
        self._shown: list[Instance] = []  # what the table shows, in order
        self._shown_rows: list[int] | None = None  # their rows in `_all`; None: every row
        self._italic = QFont()
        self._italic.setItalic(True)
        self._marks = ProfileMarks()
        self._roles: dict[int, Callable[[Instance, int], Any]] = {
            Qt.ItemDataRole.DisplayRole: _display,
            INSTANCE_ROLE: lambda instance, _column: instance,
            Qt.ItemDataRole.DecorationRole: self._decoration,
            Qt.ItemDataRole.ToolTipRole: self._tooltip,
            Qt.ItemDataRole.FontRole: self._font,
            Qt.ItemDataRole.ForegroundRole: self._foreground,
        }

    # --- state changes -------------------------------------------------------------------

    def replace_region(
        self, profile: str, region: str, instances: Iterable[Instance], *, stale: bool
    ) -> None:
        """Show `instances` as the whole content of (profile, region); `stale` marks a cached
        list the region did not confirm just now."""
        self.replace_regions([(profile, region, tuple(instances), stale)])

    def replace_regions(self, updates: Iterable[tuple[str, str, Iterable[Instance], bool]]) -> None:
        """Several regions at once, for one reset: a reset costs the same for one region as
        for twenty."""
        self.beginResetModel()
        self._all.replace(updates)
        self._show(self._all.filtered(self._search))
        self.endResetModel()

    def remove_region(self, profile: str, region: str) -> None:
        """Forget a region (its profile or region was unselected in the settings)."""
        self.beginResetModel()
        self._all.remove(profile, region)
        self._show(self._all.filtered(self._search))
        self.endResetModel()

    def set_filter_text(self, text: str) -> None:
        """Show only the rows matching `text` (see `ssmgui.core.instance.parse_filter`)."""
        search = parse_filter(text)
        if search == self._search:
            return  # e.g. a trailing space: same search, no work
        self._search = search
        shown_rows = self._all.filtered(search)
        if shown_rows == self._shown_rows:
            return  # typing on often keeps the same rows: then nothing is repainted
        self.beginResetModel()
        self._show(shown_rows)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by `column` (natural order, ties by the default); -1 is the default order."""
        self.layoutAboutToBeChanged.emit()
        before = {id(self._shown[p.row()]): p for p in self.persistentIndexList()}
        self._all.sort(column, descending=order == Qt.SortOrder.DescendingOrder)
        self._show(self._all.filtered(self._search))
        after = {id(instance): row for row, instance in enumerate(self._shown)}
        old = list(before.values())
        new = [self.index(after[key], index.column()) for key, index in before.items()]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def set_profile_marks(self, marks: ProfileMarks) -> None:
        """Mark each row with its profile's colour (a stripe and a swatch); repaints."""
        self._marks = marks
        self.marks_changed()

    def marks_changed(self) -> None:
        """The colours changed (the settings): repaint every row."""
        if self._shown:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._shown) - 1, 7))

    def _show(self, shown_rows: list[int] | None) -> None:
        rows = self._all.rows
        self._shown_rows = shown_rows
        self._shown = rows if shown_rows is None else [rows[n] for n in shown_rows]

    # --- reading -------------------------------------------------------------------------

    def instance_at(self, row: int) -> Instance:
        """The instance on (shown) row `row`."""
        return self._shown[row]

    def row_of(self, profile: str, region: str, instance_id: str) -> int | None:
        """The shown row of that instance, if it is shown (without a pass over every row:
        this runs on each refresh and keystroke while a row is selected)."""
        row = self._all.position(profile, region, instance_id)
        if row is None or self._shown_rows is None:
            return row
        at = bisect.bisect_left(self._shown_rows, row)
        return at if at < len(self._shown_rows) and self._shown_rows[at] == row else None

    def is_stale(self, row: int) -> bool:
        return self._all.is_stale(self._shown[row])

    def total(self) -> int:
        """Every row, shown or filtered out."""
        return len(self._all.rows)

    def look(self, row: int, column: int) -> CellLook:
        """The cell at (shown) `row`, `column`, in one call: the table's delegate paints from
        this instead of asking `data` role by role (see instance_delegate.py)."""
        instance = self._shown[row]
        stale = self._all.is_stale(instance)
        marked = column == InstanceColumn.NAME
        return CellLook(
            _display(instance, column),
            self._decoration(instance, column),
            stale,
            _colour(instance, column, stale),
            self._marks.colour(instance.profile) if marked else None,
        )

    # --- Qt model interface --------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._shown)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # For tooltips, accessibility and other views (the table's delegate paints from
        # `look`): one dict lookup for the roles nobody answers, no enum conversions.
        answer = self._roles.get(role)
        if answer is None:
            return None
        row = index.row()
        return None if row < 0 else answer(self._shown[row], index.column())

    def _decoration(self, instance: Instance, column: int) -> QIcon | None:
        if column == InstanceColumn.PROFILE:
            return self._marks.icon(instance.profile)
        return _decoration(instance, column)

    def _tooltip(self, instance: Instance, column: int) -> str | None:
        return _tooltip(instance, column, self._all.is_stale(instance))

    def _font(self, instance: Instance, _column: int) -> QFont | None:
        return self._italic if self._all.is_stale(instance) else None

    def _foreground(self, instance: Instance, column: int) -> QColor | None:
        return _colour(instance, column, self._all.is_stale(instance))


#: The text of each column, by column number.
_DISPLAY: tuple[Callable[[Instance], str], ...] = (
    lambda i: i.name or "(no name)",
    lambda i: i.instance_id,
    lambda i: i.platform_name or i.platform.value,
    status_text,
    lambda i: f"⚠ {i.agent_version}" if agent_problem(i) else i.agent_version,
    lambda i: i.private_ip,
    lambda i: i.profile,
    lambda i: i.region,
)


def _display(instance: Instance, column: int) -> str:
    return _DISPLAY[column](instance)


def _colour(instance: Instance, column: int, stale: bool) -> QColor | None:
    """The cell's text colour when it is not the palette's: grey when stale, amber for an
    agent that limits tunnels."""
    if stale:
        return _STALE_COLOUR
    if column == InstanceColumn.AGENT and agent_problem(instance):
        return _WARNING_COLOUR
    return None


def _decoration(instance: Instance, column: int) -> QIcon | None:
    if column == InstanceColumn.PLATFORM:
        return platform_icon(instance.platform)
    if column == InstanceColumn.STATUS:
        return state_icon(_STATUS_STATE[instance.ping_status])
    return None


def _tooltip(instance: Instance, column: int, stale: bool) -> str | None:
    if stale:
        return (
            f"From the saved list: {instance.profile} / {instance.region} did not answer just "
            "now, so this row may be out of date."
        )
    if column == InstanceColumn.AGENT:
        return agent_problem(instance) or None
    if column == InstanceColumn.NAME and instance.tags:
        return "\n".join(f"{key} = {value}" for key, value in instance.tags)
    if column == InstanceColumn.IP and instance.public_ip:
        return f"Public IP: {instance.public_ip}"
    if column == InstanceColumn.PROFILE:
        return _profile_tooltip(instance.profile)
    return None


def _profile_tooltip(profile: str) -> str:
    """The whole name, which a narrow column cuts; for an IAM Identity Center pair
    (`demo-sso:demo-production/Ops`) its account and role, readable."""
    parts = label_parts(profile)
    if parts is None:
        return profile
    session, account, role = parts
    return f"{profile}\nAccount {account}, role {role} (IAM Identity Center {session})"
