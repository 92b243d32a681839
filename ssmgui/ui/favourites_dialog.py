"""The favourites, to manage: rename, remove, reorder, start at launch.

One row per favourite: its name (edit in place: double-click, F2 or "Rename"), what it
opens (kind, instance, profile and region, so the same instance in two accounts is told
apart) and a "Start at launch" box. Nothing changes until Save; Cancel forgets the edits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ssmgui.core.settings import Favourite
from ssmgui.core.tunnel import TunnelKind

NAME, OPENS, AUTO_START = range(3)
EMPTY_TEXT = "No favourites yet: right-click an instance and choose Add to favourites."


def opens_text(favourite: Favourite) -> str:
    """What a favourite opens, in words: "SSH to i-0123… in prod · eu-west-1"."""
    spec = favourite.spec
    what = f"{spec.kind.upper()} to {spec.instance_id}"
    if spec.remote_host:
        what += f" → {spec.remote_host}:{spec.remote_port}"
    elif spec.kind is TunnelKind.CUSTOM:
        what += f" port {spec.remote_port}"
    return f"{what} in {spec.profile} · {spec.region}"


class FavouritesDialog(QDialog):
    """`result_favourites()` after Save: the list as the person left it."""

    def __init__(self, favourites: Sequence[Favourite], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Favourites")
        self.table = self._make_table(favourites)
        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setVisible(not favourites)
        self.rename_button = QPushButton("Rename", self)
        self.remove_button = QPushButton("Remove", self)
        self.up_button = QPushButton("Move up", self)
        self.down_button = QPushButton("Move down", self)
        self.rename_button.clicked.connect(self._rename)
        self.remove_button.clicked.connect(self._remove)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(+1))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        side = QVBoxLayout()
        for button in (self.rename_button, self.remove_button, self.up_button, self.down_button):
            side.addWidget(button)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addLayout(row, 1)
        layout.addWidget(self.buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        if favourites:
            self.table.selectRow(0)
        self._update_buttons()
        self.resize(860, 360)

    def result_favourites(self) -> tuple[Favourite, ...]:
        """Each row's favourite with its (new) name and auto-start, in the rows' order; a
        name left empty keeps the old one."""
        kept: list[Favourite] = []
        for row in range(self.table.rowCount()):
            name_item = self._item(row, NAME)
            favourite: Favourite = name_item.data(Qt.ItemDataRole.UserRole)
            name = name_item.text().strip() or favourite.name
            auto_start = self._item(row, AUTO_START).checkState() == Qt.CheckState.Checked
            kept.append(dataclasses.replace(favourite, name=name, auto_start=auto_start))
        return tuple(kept)

    def _make_table(self, favourites: Sequence[Favourite]) -> QTableWidget:
        table = QTableWidget(len(favourites), 3, self)
        table.setHorizontalHeaderLabels(["Name", "Opens", "Start at launch"])
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        table.verticalHeader().hide()
        table.setWordWrap(False)  # "demo-prod" cut at its hyphen read as two words
        header = table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(OPENS, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(AUTO_START, QHeaderView.ResizeMode.ResizeToContents)
        for row, favourite in enumerate(favourites):
            for column, item in enumerate(_row_items(favourite)):
                table.setItem(row, column, item)
        return table

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        assert item is not None  # every cell is filled in _make_table
        return item

    def _selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _update_buttons(self) -> None:
        row, count = self._selected_row(), self.table.rowCount()
        self.rename_button.setEnabled(row >= 0)
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)
        self.empty.setVisible(count == 0)

    def _rename(self) -> None:
        row = self._selected_row()
        if row >= 0:
            self.table.editItem(self._item(row, NAME))

    def _remove(self) -> None:
        row = self._selected_row()
        if row < 0:
            return
        self.table.removeRow(row)
        if self.table.rowCount():
            self.table.selectRow(min(row, self.table.rowCount() - 1))
        self._update_buttons()

    def _move(self, step: int) -> None:
        row = self._selected_row()
        other = row + step
        if row < 0 or not 0 <= other < self.table.rowCount():
            return
        for column in range(self.table.columnCount()):
            mine, theirs = self.table.takeItem(row, column), self.table.takeItem(other, column)
            self.table.setItem(row, column, theirs)
            self.table.setItem(other, column, mine)
        self.table.selectRow(other)
        self._update_buttons()


def _row_items(favourite: Favourite) -> list[QTableWidgetItem]:
    name = QTableWidgetItem(favourite.name)
    name.setData(Qt.ItemDataRole.UserRole, favourite)
    opens = QTableWidgetItem(opens_text(favourite))
    opens.setToolTip(opens_text(favourite))
    opens.setFlags(opens.flags() & ~Qt.ItemFlag.ItemIsEditable)
    auto_start = QTableWidgetItem()
    auto_start.setFlags(
        Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    )
    auto_start.setCheckState(
        Qt.CheckState.Checked if favourite.auto_start else Qt.CheckState.Unchecked
    )
    auto_start.setToolTip("Open this tunnel each time ssmgui starts")
    return [name, opens, auto_start]
