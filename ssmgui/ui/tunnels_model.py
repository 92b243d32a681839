"""Live tunnels as a table model: one row per tunnel id, updated in place on each snapshot.

Formatting (bytes, uptime, connections) is pure and lives here too, so the tray can share it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QColor

from ssmgui.core.tunnel import TunnelSnapshot, TunnelState
from ssmgui.core.tunnel_figures import Throughput, throughput
from ssmgui.ui.headed_table import AnyIndex, HeadedTableModel
from ssmgui.ui.icons import STATE_COLOURS, kind_icon, state_icon
from ssmgui.ui.profile_marks import ProfileMarks

SNAPSHOT_ROLE = Qt.ItemDataRole.UserRole + 1


class TunnelColumn(enum.IntEnum):
    """What a person watches first comes first: in a 1200 px window everything up to the
    client's fate is in view; the diagnostic columns follow (the details also show as the
    state's tooltip)."""

    STATE = 0
    TITLE = 1
    ADDRESS = 2
    UP = 3
    DOWN = 4
    RATE = 5
    CONNECTIONS = 6
    UPTIME = 7
    CLIENT = 8
    RECONNECTS = 9
    MODE = 10
    DETAIL = 11


HEADERS = (
    "State",
    "Tunnel",
    "Local address",
    "Sent",
    "Received",
    "Rate",
    "Connections",
    "Up for",
    "Client",
    "Reconnects",
    "Mode",
    "Details",
)
STATE_TEXT = {
    TunnelState.STARTING: "Starting",
    TunnelState.READY: "Ready",
    TunnelState.RECONNECTING: "Reconnecting",
    TunnelState.STOPPED: "Stopped",
    TunnelState.FAILED: "Failed",
}
#: A menu entry's title past this many characters is cut in its middle (tray menus grew to
#: 640 px with a title, address, state and figures on one line).
MENU_TITLE_CHARS = 40
_UNITS = ("B", "KB", "MB", "GB", "TB")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_NUMERIC = {
    TunnelColumn.UP, TunnelColumn.DOWN, TunnelColumn.RATE, TunnelColumn.UPTIME,
    TunnelColumn.RECONNECTS,
}  # fmt: skip


def human_bytes(count: int) -> str:
    """1536 → '1.5 KB' (powers of 1024, one decimal below 10, none above)."""
    size = float(count)
    for unit in _UNITS:
        if size < 1024 or unit == _UNITS[-1]:
            if unit == "B":
                return f"{int(size)} B"
            return f"{size:.1f} {unit}" if size < 10 else f"{size:.0f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def human_duration(seconds: float, *, tenths: bool = False) -> str:
    """3725 → '1 h 02 min'; 59 → '59 s'; 2 days → '2 d 0 h'. With `tenths`, below 10 s to a
    tenth of a second ('0.8 s'): how long a finished tunnel lasted, where '0 s' would read
    as "never up"."""
    if tenths and seconds < 10:
        return f"{seconds:.1f} s" if seconds >= 0.05 else "<0.1 s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, _ = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    if hours == 0:
        return f"{minutes} min"
    days, hours = divmod(hours, 24)
    if days == 0:
        return f"{hours} h {minutes:02d} min"
    return f"{days} d {hours} h"


def rate_text(rate: Throughput | None) -> str:
    """'↑1.5 KB/s ↓15 MB/s'; '—' before there are two samples to compare."""
    if rate is None:
        return "—"
    return f"↑{human_bytes(round(rate.up_per_s))}/s ↓{human_bytes(round(rate.down_per_s))}/s"


def address_text(snapshot: TunnelSnapshot) -> str:
    """127.0.0.1:port, or '—' for a tunnel that never listened (it failed to start)."""
    return snapshot.address if snapshot.local_port else "—"


def uptime_text(snapshot: TunnelSnapshot) -> str:
    """How long it has been up ('12 s', ticking in whole seconds), or once it ended how long
    it was up ('0.8 s'); '—' for a tunnel that never came up."""
    if not snapshot.uptime_s:
        return "—"
    return human_duration(snapshot.uptime_s, tenths=snapshot.state.is_final)


def elide_middle(text: str, limit: int) -> str:
    """`text` cut to `limit` characters in its middle ('RDP demo-rdp — de…(333333333333)'):
    a title's start says what and its end which profile and account, both worth keeping."""
    if len(text) <= limit:
        return text
    head = limit // 2
    tail = limit - 1 - head
    return f"{text[:head].rstrip()}…{text[len(text) - tail :].lstrip()}"


def tunnel_line(snapshot: TunnelSnapshot) -> str:
    """The tunnel's entry in a menu: its title (cut in the middle past `MENU_TITLE_CHARS`)
    and state, short enough that the menu stays narrow, and not changing as figures move
    (they are lines of its submenu: `tunnel_traffic`, `tunnel_facts`)."""
    return f"{elide_middle(snapshot.spec.title, MENU_TITLE_CHARS)} — {snapshot.state}"


def tunnel_traffic(snapshot: TunnelSnapshot) -> str:
    """'127.0.0.1:36515 · ↑3.4 MB ↓3.4 MB': where it listens and the bytes each way."""
    stats = snapshot.stats
    traffic = f"↑{human_bytes(stats.bytes_up)} ↓{human_bytes(stats.bytes_down)}"
    return f"{address_text(snapshot)} · {traffic}"


def tunnel_facts(snapshot: TunnelSnapshot, rate: Throughput | None) -> str:
    """The rate while it runs, connections and uptime: "↑2.0 KB/s ↓15 MB/s · 1 open ·
    3 total · up 2 min" (once it ended: "… · was up 0.8 s"), a line under `tunnel_line`."""
    parts = [_connections(snapshot)]
    if rate is not None and not snapshot.state.is_final:
        parts.insert(0, rate_text(rate))
    if snapshot.uptime_s:
        was = "was up" if snapshot.state.is_final else "up"
        parts.append(f"{was} {uptime_text(snapshot)}")
    return " · ".join(parts)


def _connections(snapshot: TunnelSnapshot) -> str:
    stats = snapshot.stats
    return f"{stats.open_connections} open · {stats.total_connections} total"


def _detail(snapshot: TunnelSnapshot) -> str:
    if snapshot.last_target_error and snapshot.last_target_error not in snapshot.detail:
        return " · ".join(part for part in (snapshot.detail, snapshot.last_target_error) if part)
    return snapshot.detail


_DISPLAY: dict[TunnelColumn, Callable[[TunnelSnapshot], str]] = {
    TunnelColumn.STATE: lambda s: STATE_TEXT[s.state],
    TunnelColumn.TITLE: lambda s: s.spec.title,
    TunnelColumn.ADDRESS: address_text,
    TunnelColumn.MODE: lambda s: s.mode or "—",
    TunnelColumn.UP: lambda s: human_bytes(s.stats.bytes_up),
    TunnelColumn.DOWN: lambda s: human_bytes(s.stats.bytes_down),
    TunnelColumn.CONNECTIONS: _connections,
    TunnelColumn.UPTIME: uptime_text,
    TunnelColumn.RECONNECTS: lambda s: str(s.reconnects),
    TunnelColumn.CLIENT: lambda s: s.client or "—",
    TunnelColumn.DETAIL: _detail,
}


class TunnelsTableModel(HeadedTableModel):
    """One row per tunnel id, in the order tunnels were first seen.

    `set_snapshots` replaces the whole list (rows of tunnels no longer listed go);
    `update_snapshot` changes one row in place (a dataChanged, no reset), or appends it.
    Each row's rate compares its snapshot with the one it replaced (`throughput`).
    """

    headers = HEADERS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[TunnelSnapshot] = []
        self._row_of: dict[int, int] = {}
        self.marks: ProfileMarks | None = None  # set by the surface: the profile's colour
        self._rates: dict[int, Throughput] = {}

    def set_snapshots(self, snapshots: Iterable[TunnelSnapshot]) -> None:
        self.beginResetModel()
        self._rows = list(snapshots)
        self._row_of = {s.tunnel_id: row for row, s in enumerate(self._rows)}
        self._rates = {i: rate for i, rate in self._rates.items() if i in self._row_of}
        self.endResetModel()

    def update_snapshot(self, snapshot: TunnelSnapshot) -> None:
        row = self._row_of.get(snapshot.tunnel_id)
        if row is None:
            row = len(self._rows)
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows.append(snapshot)
            self._row_of[snapshot.tunnel_id] = row
            self.endInsertRows()
            return
        self._replace(row, snapshot)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def update_figures(self, snapshots: Iterable[TunnelSnapshot]) -> None:
        """Fresh figures of listed tunnels (a poll, no state change): one dataChanged for
        them all, over the figure columns only, which are all that a poll repaints."""
        rows = []
        for snapshot in snapshots:
            row = self._row_of.get(snapshot.tunnel_id)
            if row is not None:
                self._replace(row, snapshot)
                rows.append(row)
        if rows:
            first, last = (
                self.index(min(rows), TunnelColumn.UP),
                self.index(max(rows), len(HEADERS) - 1),
            )
            self.dataChanged.emit(first, last)

    def _replace(self, row: int, snapshot: TunnelSnapshot) -> None:
        previous, self._rows[row] = self._rows[row], snapshot
        if snapshot.uptime_s > previous.uptime_s:  # a new sample, not only a new client line
            self._rates[snapshot.tunnel_id] = throughput(previous, snapshot)
        if snapshot.state.is_final:
            self._rates.pop(snapshot.tunnel_id, None)

    def snapshot_at(self, row: int) -> TunnelSnapshot:
        return self._rows[row]

    def snapshots(self) -> list[TunnelSnapshot]:
        return list(self._rows)

    def has_detail(self, row: int) -> bool:
        """Whether the row's tunnel has details to show (why it failed, what it does)."""
        return bool(_detail(self._rows[row]))

    def rate_of(self, tunnel_id: int) -> Throughput | None:
        """The tunnel's latest rate; None before two samples, or once it ended."""
        return self._rates.get(tunnel_id)

    def row_of(self, tunnel_id: int) -> int | None:
        return self._row_of.get(tunnel_id)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        snapshot = self._rows[index.row()]
        column = TunnelColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is TunnelColumn.RATE:
                return rate_text(self._rates.get(snapshot.tunnel_id))
            return _DISPLAY[column](snapshot)
        if role == SNAPSHOT_ROLE:
            return snapshot
        if role == Qt.ItemDataRole.BackgroundRole and column is TunnelColumn.TITLE:
            return self.marks.tint(snapshot.spec.profile) if self.marks else None
        return _style(snapshot, column, role)


def _style(snapshot: TunnelSnapshot, column: TunnelColumn, role: int) -> Any:
    if role == Qt.ItemDataRole.DecorationRole:
        return _decoration(snapshot, column)
    if role == Qt.ItemDataRole.ForegroundRole:
        return _foreground(snapshot, column)
    if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
        return _RIGHT
    if role == Qt.ItemDataRole.ToolTipRole:
        return _tooltip(snapshot, column)
    return None


def _decoration(snapshot: TunnelSnapshot, column: TunnelColumn) -> Any:
    if column is TunnelColumn.STATE:
        return state_icon(snapshot.state)
    if column is TunnelColumn.TITLE:
        return kind_icon(snapshot.spec.kind)
    return None


def _foreground(snapshot: TunnelSnapshot, column: TunnelColumn) -> QColor | None:
    if column is TunnelColumn.STATE:
        return QColor(STATE_COLOURS[snapshot.state])
    if column is TunnelColumn.DETAIL and snapshot.state is TunnelState.FAILED:
        return QColor(STATE_COLOURS[TunnelState.FAILED])
    return None


def _tooltip(snapshot: TunnelSnapshot, column: TunnelColumn) -> str | None:
    if column is TunnelColumn.STATE:  # with the engine's mode, a column of its own no more
        mode = f"Mode: {snapshot.mode}" if snapshot.mode else ""
        return "\n".join(part for part in (_detail(snapshot), mode) if part) or None
    if column is TunnelColumn.DETAIL:
        return _detail(snapshot) or None
    if column is TunnelColumn.CLIENT:
        return snapshot.client or None
    if column is TunnelColumn.UPTIME and snapshot.state.is_final and snapshot.uptime_s:
        return f"It was up for {uptime_text(snapshot)} before it {snapshot.state}."
    if column is TunnelColumn.TITLE:  # the whole title: the cell may cut its middle
        spec = snapshot.spec
        where = f"{spec.remote_host}:" if spec.remote_host else "port "
        place = f"{spec.instance_id} in {spec.profile} / {spec.region}, {where}{spec.remote_port}"
        return f"{spec.title}\n{place}"
    return None
