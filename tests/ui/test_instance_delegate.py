"""The instance table's delegate paints what Qt's own delegate paints, from cached text.

The pictures are compared pixel by pixel against Qt's `QStyledItemDelegate` on the same
window: a shifted icon, a lost italic, a missing colour or an unelided string changes
hundreds to thousands of pixels. The focused cell is left out: its text, drawn over the
focus frame, is antialiased a little differently (~300 pixels); every other pixel matches.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QFont, QImage
from PySide6.QtWidgets import QApplication, QStyledItemDelegate
from pytestqt.qtbot import QtBot

from ssmgui.ui.instance_delegate import CACHE_LIMIT, InstanceCellDelegate, StaticTextCache
from ssmgui.ui.instance_model import InstanceColumn
from ssmgui.ui.instances_window import InstancesWindow
from ssmgui.ui.profile_marks import ProfileMarks
from tests.ui.sample_fleet import PROFILES, sample_fleet

ACCEPTED_DIFFERENT_PIXELS = 20  # measured: 0
ICON_PLACE = 26  # a cell's margin, its 16 px icon, a margin: where a selected icon's plate is


@pytest.fixture
def window(qtbot: QtBot) -> InstancesWindow:
    """300 instances: a stale region (italic, grey), old agents (amber), platform and status
    icons, the third row selected and current, and a column too narrow for its text."""
    window = InstancesWindow()
    qtbot.addWidget(window)
    window.resize(1200, 500)
    regions = list(sample_fleet(300).items())
    window.show_regions([(p, r, rows, n == 0) for n, ((p, r), rows) in enumerate(regions)])
    window.table.horizontalHeader().resizeSection(InstanceColumn.ID, 70)
    window.table.selectRow(2)
    window.show()
    qtbot.waitExposed(window)
    return window


def table_picture(window: InstancesWindow) -> QImage:
    for _ in range(3):
        QApplication.processEvents()
    return window.table.viewport().grab().toImage()


def different_pixels(first: QImage, second: QImage, *leave_out: QRect) -> int:
    assert first.size() == second.size()
    width, height = first.width(), first.height()
    return sum(
        first.pixel(x, y) != second.pixel(x, y)
        for y in range(height)
        for x in range(width)
        if not any(rect.contains(x, y) for rect in leave_out)
    )


def selected_icons(window: InstancesWindow) -> list[QRect]:
    """Where the selected row's icons sit on their plates (ours; Qt's delegate has none)."""
    table, row = window.table, window.table.currentIndex().row()
    places = []
    for column in (InstanceColumn.PLATFORM, InstanceColumn.STATUS):
        cell = table.visualRect(window.model.index(row, column))
        places.append(QRect(cell.x(), cell.y(), ICON_PLACE, cell.height()))
    return places


def focused_cell(window: InstancesWindow) -> QRect:
    return window.table.visualRect(window.table.currentIndex())


def test_the_table_paints_with_the_cached_text_delegate(window: InstancesWindow) -> None:
    assert isinstance(window.table.itemDelegate(), InstanceCellDelegate)


def test_it_paints_what_qts_own_delegate_paints(window: InstancesWindow) -> None:
    # Qt's delegate has no stripe for a marked profile (prod): compare without marks.
    window.model.set_profile_marks(ProfileMarks(dict.fromkeys(PROFILES, "")))
    ours = table_picture(window)
    delegate = window.table.itemDelegate()
    assert isinstance(delegate, InstanceCellDelegate)
    laid_out = [text.text() for text in delegate.texts._texts.values()]
    assert any(text.endswith("…") for text in laid_out), "the narrow column was not elided"
    window.table.setItemDelegate(QStyledItemDelegate(window.table))
    qts = table_picture(window)
    leave_out = (focused_cell(window), *selected_icons(window))
    assert different_pixels(ours, qts, *leave_out) <= ACCEPTED_DIFFERENT_PIXELS


def test_the_comparison_sees_stale_rows_painted_plain(window: InstancesWindow) -> None:
    """The control for the test above: stale rows painted upright and black must not pass."""
    ours = table_picture(window)
    window.model._all.stale.clear()  # the same rows, no longer marked stale
    window.table.setItemDelegate(QStyledItemDelegate(window.table))
    upright = table_picture(window)
    assert different_pixels(ours, upright, focused_cell(window)) > 50 * ACCEPTED_DIFFERENT_PIXELS


def test_the_text_cache_is_bounded(qtbot: QtBot) -> None:
    cache = StaticTextCache()
    for n in range(CACHE_LIMIT + 10):
        cache.text(f"instance-{n}", 200, italic=False)
    assert 0 < len(cache) <= CACHE_LIMIT


def test_a_new_font_lays_text_out_again(qtbot: QtBot) -> None:
    cache = StaticTextCache()
    first = cache.text("web-1", 200, italic=False)
    assert cache.text("web-1", 200, italic=False) is first  # laid out once
    bigger = QFont()
    bigger.setPointSize(QFont().pointSize() * 2)
    cache.use_font(bigger)
    assert len(cache) == 0
    assert cache.line_height(italic=False) > QFont().pointSize()
    assert cache.text("web-1", 200, italic=False) is not first
    assert cache.font(italic=True).italic() and not cache.font(italic=False).italic()


def test_a_selected_rows_icon_stands_out_from_the_selection(window: InstancesWindow) -> None:
    """The Windows logo's blue on the selection's blue (tinted with it, as Qt draws a
    selected icon) was invisible: the colours in its place spanned less than the logo's
    own shades do against white."""
    model = window.model
    row = next(
        r for r in range(model.rowCount())
        if "Windows" in str(model.data(model.index(r, InstanceColumn.PLATFORM)))
    )  # fmt: skip
    window.table.selectRow(row)
    picture = table_picture(window)
    cell = window.table.visualRect(model.index(row, InstanceColumn.PLATFORM))
    place = QRect(cell.x(), cell.y() + 2, ICON_PLACE, cell.height() - 4)
    colours = [
        picture.pixelColor(x, y)
        for y in range(place.top(), place.bottom() + 1)
        for x in range(place.left(), place.right() + 1)
    ]
    spread = max(
        max(channel(c) for c in colours) - min(channel(c) for c in colours)
        for channel in (QColor.red, QColor.green, QColor.blue)
    )
    assert spread > 120, f"the icon's colours span only {spread} against the selection"
