"""The tunnels panel: live tunnels with their state and traffic, and what can be done to them.

Renders `TunnelSnapshot`s and emits requests; it never stops or opens anything itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPoint, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMenu,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ssmgui.core.tunnel import TunnelSnapshot
from ssmgui.ui.tunnels_model import HEADERS, TunnelColumn, TunnelsTableModel

_WIDTHS = {
    TunnelColumn.STATE: 120,
    TunnelColumn.TITLE: 230,
    TunnelColumn.ADDRESS: 125,
    TunnelColumn.MODE: 95,
    TunnelColumn.UP: 70,
    TunnelColumn.DOWN: 75,
    TunnelColumn.CONNECTIONS: 115,
    TunnelColumn.UPTIME: 85,
    TunnelColumn.RECONNECTS: 80,
}


class TunnelsView(QWidget):
    """A table of tunnels with Stop / Open again / Copy address.

    Signals (requests): `stop_requested(int)` and `reopen_requested(int)` carry a tunnel id,
    `copy_requested(str)` the text to copy. Slots: `show_tunnels(list[TunnelSnapshot])`
    replaces the list; `update_snapshot(TunnelSnapshot)` changes one row in place (cheap).
    """

    stop_requested = Signal(int)
    reopen_requested = Signal(int)
    copy_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TunnelsTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column, width in _WIDTHS.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_menu)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)
        self.model.dataChanged.connect(self._update_actions)

        self.stop_action = QAction("Stop", self)
        self.stop_action.setToolTip("Close this tunnel")
        self.stop_action.triggered.connect(lambda: self._request(self.stop_requested))
        self.reopen_action = QAction("Open again", self)
        self.reopen_action.setToolTip("Start the Remote Desktop, SSH or browser window again")
        self.reopen_action.triggered.connect(lambda: self._request(self.reopen_requested))
        self.copy_action = QAction("Copy address", self)
        self.copy_action.setToolTip("Copy 127.0.0.1:port, to paste into another client")
        self.copy_action.triggered.connect(self._copy_address)
        self.table.doubleClicked.connect(lambda _index: self.reopen_action.trigger())

        toolbar = QToolBar(self)
        for action in (self.reopen_action, self.copy_action, self.stop_action):
            toolbar.addAction(action)
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
        self.reopen_action.setEnabled(live and bool(snapshot and snapshot.local_port))
        self.copy_action.setEnabled(bool(snapshot and snapshot.local_port))
        has_rows = self.model.rowCount() > 0
        self.table.setVisible(has_rows)
        self.empty_label.setVisible(not has_rows)

    # --- requests ------------------------------------------------------------------------

    def _request(self, signal: SignalInstance) -> None:
        snapshot = self.selected_snapshot()
        if snapshot is not None:
            signal.emit(snapshot.tunnel_id)

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
        menu.addAction(self.stop_action)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # popup(), not exec(): a nested event loop would break qasync (docs/architecture.md,
        # qasync trap 2).
        menu.popup(self.table.viewport().mapToGlobal(position))
