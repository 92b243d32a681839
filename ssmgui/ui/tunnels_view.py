"""The tunnels panel: live tunnels with their state and traffic, and what can be done to them.

Renders `TunnelSnapshot`s and emits requests; it never stops or opens anything itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPoint, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QMenu,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ssmgui.core.tunnel import TunnelKind, TunnelSnapshot
from ssmgui.ui.tunnel_columns import FittedTable, TunnelColumns
from ssmgui.ui.tunnels_model import TunnelsTableModel


class TunnelsView(QWidget):
    """A table of tunnels with Stop / Open again / Copy address / Clear finished.

    Signals (requests): `stop_requested(int)` and `reopen_requested(int)` carry a tunnel id,
    `copy_requested(str)` the text to copy, `clear_requested()` asks to unlist stopped and
    failed tunnels. `shown_changed(bool)` says whether the table is on the screen (its
    figures need refreshing only then). Slots: `show_tunnels(list[TunnelSnapshot])`
    replaces the list; `update_snapshot(TunnelSnapshot)` changes one row in place (cheap).
    """

    stop_requested = Signal(int)
    reopen_requested = Signal(int)
    copy_requested = Signal(str)
    clear_requested = Signal()
    shown_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TunnelsTableModel(self)
        self.table = FittedTable(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.columns = TunnelColumns(self.table, self.model)  # widths that fit the window
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_menu)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        # Every way rows come and go: a reset, a change, and the first snapshot of a new
        # tunnel, which is an insert (the table stayed hidden behind "No tunnels open").
        for signal in (
            self.model.modelReset, self.model.dataChanged, self.model.rowsInserted,
            self.model.rowsRemoved,
        ):  # fmt: skip
            signal.connect(self._update_actions)

        self.stop_action = QAction("Stop", self)
        self.stop_action.setToolTip("Close this tunnel")
        self.stop_action.triggered.connect(lambda: self._request(self.stop_requested))
        self.reopen_action = QAction("Open again", self)
        self.reopen_action.setToolTip("Start the Remote Desktop, SSH or browser window again")
        self.reopen_action.triggered.connect(lambda: self._request(self.reopen_requested))
        self.copy_action = QAction("Copy address", self)
        self.copy_action.setToolTip("Copy 127.0.0.1:port, to paste into another client")
        self.copy_action.triggered.connect(self._copy_address)
        self.clear_action = QAction("Clear finished", self)
        self.clear_action.setToolTip("Remove stopped and failed tunnels from this list")
        self.clear_action.triggered.connect(self.clear_requested)
        self.table.doubleClicked.connect(lambda _index: self._reopen_if_possible())

        toolbar = QToolBar(self)
        for action in (self.reopen_action, self.copy_action, self.stop_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction(self.clear_action)
        self.empty_label = QLabel(
            "No tunnels open. Double-click an instance to connect to it.", self
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(toolbar)
        layout.addWidget(self.table)
        layout.addWidget(self.empty_label)
        self._update_actions()

    # --- rendering state -----------------------------------------------------------------

    def show_tunnels(self, snapshots: Iterable[TunnelSnapshot]) -> None:
        selected = self.selected_snapshot()
        self.model.set_snapshots(snapshots)
        if selected is not None:
            self.select_tunnel(selected.tunnel_id)

    def update_snapshot(self, snapshot: TunnelSnapshot) -> None:
        self.model.update_snapshot(snapshot)

    def update_figures(self, snapshots: Iterable[TunnelSnapshot]) -> None:
        """Fresh figures of listed tunnels, all at once (the once-a-second poll)."""
        self.model.update_figures(snapshots)

    def select_tunnel(self, tunnel_id: int) -> None:
        row = self.model.row_of(tunnel_id)
        if row is not None:
            self.table.selectRow(row)

    def selected_snapshot(self) -> TunnelSnapshot | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.snapshot_at(rows[0].row()) if rows else None

    def _update_actions(self) -> None:
        snapshot = self.selected_snapshot()
        live = snapshot is not None and not snapshot.state.is_final
        self.stop_action.setEnabled(live)
        self.reopen_action.setEnabled(live and _has_client(snapshot))
        self.copy_action.setEnabled(bool(snapshot and snapshot.local_port))
        rows = self.model.snapshots()
        self.clear_action.setEnabled(any(row.state.is_final for row in rows))
        self.table.setVisible(bool(rows))
        self.empty_label.setVisible(not rows)

    # --- on the screen or not ------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.shown_changed.emit(True)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self.shown_changed.emit(False)

    # --- requests ------------------------------------------------------------------------

    def _request(self, signal: SignalInstance) -> None:
        snapshot = self.selected_snapshot()
        if snapshot is not None:
            signal.emit(snapshot.tunnel_id)

    def _reopen_if_possible(self) -> None:
        if self.reopen_action.isEnabled():
            self.reopen_action.trigger()

    def _copy_address(self) -> None:
        snapshot = self.selected_snapshot()
        if snapshot is not None and snapshot.local_port:
            self.copy_requested.emit(snapshot.address)

    def _show_menu(self, position: QPoint) -> None:
        if self.selected_snapshot() is None:
            return
        menu = QMenu(self)
        menu.addActions([self.reopen_action, self.copy_action])
        menu.addSeparator()
        menu.addActions([self.stop_action, self.clear_action])
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # popup(), not exec(): a nested event loop would break qasync (docs/architecture.md,
        # qasync trap 2).
        menu.popup(self.table.viewport().mapToGlobal(position))


def _has_client(snapshot: TunnelSnapshot | None) -> bool:
    """Whether "Open again" can do anything: a listening tunnel whose kind has a client
    (RDP, SSH, a browser); a custom port has none."""
    return bool(snapshot and snapshot.local_port and snapshot.spec.kind is not TunnelKind.CUSTOM)
