"""How the tunnels table spends its width: at the window's default width every column that
matters is in view, with no horizontal scrollbar, and no text that matters is cut.

The figures (state, address, bytes, rate, connections, uptime, reconnects) get the width of
their widest usual text, measured in the table's font. The title gets what its longest
title needs, within bounds; a title too long for it loses the middle of its instance
name, never its profile and account (`fit_title`). The client gets the rest, cut at its
end. The details (why a tunnel failed, what it is doing) show only while some tunnel has
them, and then stretch into what is left. The engine's mode is diagnostic: its column is
hidden (the state's tooltip says it). Widths are set again only when the table's width,
the longest title or the presence of details changes, so a person's drag of a column's
edge lasts until then.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from ssmgui.ui.tunnels_model import TunnelColumn, TunnelsTableModel

#: The widest text each column of figures shows in practice.
SAMPLES = {
    TunnelColumn.STATE: "Reconnecting",
    TunnelColumn.ADDRESS: "127.0.0.1:65535",
    TunnelColumn.UP: "1023 KB",
    TunnelColumn.DOWN: "1023 KB",
    TunnelColumn.RATE: "↑999 KB/s ↓999 KB/s",
    TunnelColumn.CONNECTIONS: "9 open · 99 total",
    TunnelColumn.UPTIME: "9 h 59 min",
    TunnelColumn.RECONNECTS: "0",
}
TITLE_WIDTHS = (170, 400)  # least, most
CLIENT_LEAST = 110
DETAIL_LEAST = 120
#: Between a title's instance part and its profile and account (`tunnel_label`).
TITLE_SEPARATOR = " — "
_ICONED = (TunnelColumn.STATE, TunnelColumn.TITLE)
_MARGIN = QStyle.PixelMetric.PM_FocusFrameHMargin
_ICON = QStyle.PixelMetric.PM_SmallIconSize
_SLACK = 4  # pixels for the grid line and rounding


def fit_title(text: str, metrics: QFontMetrics, width: int) -> str:
    """`text` as it fits in `width` pixels: whole if it fits; else the part before its last
    " — " (kind and instance) cut at its end, so the profile and account after it stay
    whole ('RDP demo-r… — demo-dev (333333333333)'); if even those do not fit, cut in the
    middle."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    head, separator, tail = text.rpartition(TITLE_SEPARATOR)
    if separator:
        kept = metrics.horizontalAdvance(separator + tail)
        room = width - kept
        if room >= metrics.horizontalAdvance("RDP …"):
            return metrics.elidedText(head, Qt.TextElideMode.ElideRight, room) + separator + tail
    return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, width)


class TunnelCellDelegate(QStyledItemDelegate):
    """Qt's painting, with the title fitted by `fit_title` and other long texts cut at
    their end (each cell's tooltip has the whole text)."""

    def initStyleOption(  # noqa: N802 - Qt's name
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if index.column() == TunnelColumn.TITLE and option.rect.width() > 0:
            # The cell less its icon and margins, not the few pixels of slack the column's
            # width has (a title that just fits lost its middle to them).
            room = option.rect.width() - _cell_padding(option.widget.style(), iconed=True)
            room += _SLACK
            option.text = fit_title(option.text, option.fontMetrics, room)


class FittedTable(QTableView):
    """A table that says when it was resized (`resized`), for `TunnelColumns`."""

    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.resized.emit()


class TunnelColumns(QObject):
    """Keeps `table`'s column widths fitted to its width and rows (module docstring)."""

    def __init__(self, table: FittedTable, model: TunnelsTableModel) -> None:
        super().__init__(table)
        self._table, self._model = table, model
        self._fitted_for: tuple[int, int, bool] | None = None
        table.setItemDelegate(TunnelCellDelegate(table))
        header = table.horizontalHeader()
        header.setMinimumSectionSize(24)
        header.hideSection(TunnelColumn.MODE)
        header.setSectionResizeMode(TunnelColumn.DETAIL, QHeaderView.ResizeMode.Stretch)
        # Its width, and the vertical scrollbar coming or going, change the room. (An event
        # filter on the viewport crashed the process as the table was destroyed.)
        table.resized.connect(self.fit)
        table.verticalScrollBar().rangeChanged.connect(self.fit)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.dataChanged):
            signal.connect(self.fit)
        self.fit()

    def fit(self) -> None:
        """Set the widths, if the table's width, the longest title or whether any tunnel
        has details changed since they were last set."""
        rows = self._model.snapshots()
        metrics = self._table.fontMetrics()
        longest = max((metrics.horizontalAdvance(s.spec.title) for s in rows), default=0)
        details = any(self._model.has_detail(row) for row in range(len(rows)))
        key = (self._table.viewport().width(), longest, details)
        if key == self._fitted_for:
            return
        self._fitted_for = key
        self._set_widths(longest, details)

    def _set_widths(self, longest_title: int, details: bool) -> None:
        header = self._table.horizontalHeader()
        figures = {column: self._natural_width(column) for column in SAMPLES}
        for column, width in figures.items():
            header.resizeSection(column, width)
        header.setSectionHidden(TunnelColumn.DETAIL, not details)
        left = self._table.viewport().width() - sum(figures.values())
        left -= DETAIL_LEAST if details else 0
        wanted = longest_title + _cell_padding(self._table.style(), iconed=True)
        title = max(TITLE_WIDTHS[0], min(wanted, TITLE_WIDTHS[1], left - CLIENT_LEAST))
        header.resizeSection(TunnelColumn.TITLE, title)
        # Without details the client is the last column shown: it takes all that is left.
        header.resizeSection(TunnelColumn.CLIENT, max(CLIENT_LEAST, left - title))

    def _natural_width(self, column: TunnelColumn) -> int:
        """The column's sample (or title, if wider) with the cell's margins and any icon."""
        text = self._table.fontMetrics().horizontalAdvance(SAMPLES[column])
        padding = _cell_padding(self._table.style(), iconed=column in _ICONED)
        return max(text + padding, self._table.horizontalHeader().sectionSizeHint(column))


def _cell_padding(style: QStyle, *, iconed: bool) -> int:
    """What a cell adds to its text, laid out as Qt's styles lay out an item: a margin each
    side of the text (and of the icon), and a few pixels for the grid line and rounding."""
    margin = style.pixelMetric(_MARGIN) + 1
    padding = 2 * margin + _SLACK
    return padding + style.pixelMetric(_ICON) + 2 * margin if iconed else padding
