"""How the instance table paints a cell: Qt's item look, with text laid out once per string.

Qt's own delegate asks the model for ~6 roles per cell (a call into Python each) and shapes,
measures and elides every cell's text from scratch on every paint, and the whole window
repaints after each keystroke in the filter box. This delegate asks the model once per cell
(`InstanceTableModel.look`) and draws each distinct (text, width, font) from a prepared
`QStaticText`, so a repaint of mostly familiar strings lays out nothing (the measurements:
docs/architecture.md, "Why it is built this way").

What it draws, as Qt's style does: the row's panel (alternating colour, selection, hover:
`PE_PanelItemViewItem`), the icon (on a selected row, on a plate: `draw_icon_plate`), then
the text elided at the right in the style's colours for the state (selected, disabled,
inactive window) unless the model gives a colour. It leaves out what this table never
shows: check boxes, wrapped text, right-to-left layout.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPalette, QStaticText
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionFocusRect,
    QStyleOptionViewItem,
    QWidget,
)

from ssmgui.ui.instance_model import InstanceTableModel

#: Distinct laid-out strings kept; a window shows ~200 cells, so this holds many screens'
#: worth while bounding memory (10,000 instances × 8 columns would be ~80,000).
CACHE_LIMIT = 4096

# State bits as ints: a Python enum flag's `&` costs microseconds, paid for every cell.
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_SELECTED = QStyle.StateFlag.State_Selected.value
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus.value
# Enum members fetched once: each `Enum.member` lookup is a Python descriptor call.
_PANEL = QStyle.PrimitiveElement.PE_PanelItemViewItem
_CENTRED = Qt.AlignmentFlag.AlignCenter
_TEXT_MARGIN = QStyle.PixelMetric.PM_FocusFrameHMargin
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_PLAIN = Qt.TextFormat.PlainText
#: The profile's mark: a stripe this wide at the start of the name cell.
STRIPE_WIDTH = 4


def colour_group(state: int) -> QPalette.ColorGroup:
    """The palette group Qt's styles paint an item's text in."""
    if not state & _ENABLED:
        return QPalette.ColorGroup.Disabled
    if not state & _ACTIVE:
        return QPalette.ColorGroup.Inactive
    return QPalette.ColorGroup.Normal


def icon_mode(state: int) -> QIcon.Mode:
    if not state & _ENABLED:
        return QIcon.Mode.Disabled
    return QIcon.Mode.Selected if state & _SELECTED else QIcon.Mode.Normal


def text_role(state: int) -> QPalette.ColorRole:
    selected = state & _SELECTED
    return QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text


def draw_focus_frame(
    style: QStyle, option: QStyleOptionViewItem, painter: QPainter, widget: QWidget
) -> None:
    """The current cell's focus frame, as QCommonStyle draws it for an item."""
    frame = QStyleOptionFocusRect()
    frame.initFrom(widget)
    frame.rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemFocusRect, option, widget)
    flags = QStyle.StateFlag
    frame.state = option.state | flags.State_KeyboardFocusChange | flags.State_Item
    enabled = option.state & QStyle.StateFlag.State_Enabled
    group = QPalette.ColorGroup.Normal if enabled else QPalette.ColorGroup.Disabled
    selected = option.state & QStyle.StateFlag.State_Selected
    role = QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Window
    frame.backgroundColor = option.palette.color(group, role)
    style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, frame, painter, widget)


def draw_icon_plate(painter: QPainter, box: QRect, palette: QPalette) -> None:
    """A small rounded plate of the base colour behind a selected row's icon. The
    selection's blue is the blue of the Windows logo (and Qt's selected icons are tinted
    with it), so on a selected row that icon vanished; on the plate, drawn as unselected,
    every icon keeps its own colours. Only the selected row pays for the antialiasing."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.color(QPalette.ColorGroup.Normal, QPalette.ColorRole.Base))
    painter.drawRoundedRect(QRectF(box).adjusted(-1.5, -1.5, 1.5, 1.5), 3, 3)
    painter.restore()


class StaticTextCache:
    """Elided, prepared text per (text, width, italic) for one base font."""

    def __init__(self) -> None:
        self._texts: dict[tuple[str, int, bool], QStaticText] = {}
        self._set_font(QFont())

    def use_font(self, font: QFont) -> None:
        """Start over when the view's font changes (a settings or system font change)."""
        if font != self._font:
            self._set_font(font)

    def _set_font(self, font: QFont) -> None:
        self._font = QFont(font)
        italic = QFont(font)
        italic.setItalic(True)
        self._fonts = (QFont(font), italic)  # indexed by `italic`
        self._metrics = (QFontMetrics(self._fonts[0]), QFontMetrics(italic))
        self._texts.clear()

    def font(self, italic: bool) -> QFont:
        return self._fonts[italic]

    def line_height(self, italic: bool) -> int:
        return self._metrics[italic].height()

    def text(self, text: str, width: int, italic: bool) -> QStaticText:
        key = (text, width, italic)
        found = self._texts.get(key)
        if found is None:
            if len(self._texts) >= CACHE_LIMIT:
                self._texts.clear()
            # Lay out first and elide only what does not fit: most cells fit, and measuring
            # before laying out would shape each new string twice.
            found = self._laid_out(text, italic)
            if found.size().width() > width:
                metrics = self._metrics[italic]
                found = self._laid_out(metrics.elidedText(text, _ELIDE_RIGHT, width), italic)
            self._texts[key] = found
        return found

    def _laid_out(self, text: str, italic: bool) -> QStaticText:
        static = QStaticText(text)
        static.setTextFormat(_PLAIN)
        static.prepare(font=self._fonts[italic])
        return static

    def __len__(self) -> int:
        return len(self._texts)


class InstanceCellDelegate(QStyledItemDelegate):
    """Paints `model`'s cells (see the module docstring); sizes and editing stay Qt's."""

    def __init__(self, model: InstanceTableModel, parent: QWidget) -> None:
        super().__init__(parent)
        self._model = model
        self.texts = StaticTextCache()
        self._margins: dict[int, int] = {}  # per style: the text's margin
        self._palette_colours: dict[tuple[int, int], QColor] = {}  # (palette, state bits)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # One function on purpose: each helper call, Qt value object or enum read per cell
        # is microseconds, times ~200 cells a repaint (a split into two methods cost 1.3 ms).
        widget = option.widget
        style = widget.style()
        state = option.state.value
        rect: QRect = option.rect
        look = self._model.look(index.row(), index.column())
        style.drawPrimitive(_PANEL, option, painter, widget)
        if state & _HAS_FOCUS:
            draw_focus_frame(style, option, painter, widget)
        margin = self._margin(style, widget)
        left = rect.x() + margin
        if look.stripe is not None:
            painter.fillRect(rect.x(), rect.y(), STRIPE_WIDTH, rect.height(), look.stripe)
            left += STRIPE_WIDTH
        if look.icon is not None:
            size = option.decorationSize
            top = rect.y() + (rect.height() - size.height()) // 2
            box = QRect(left, top, size.width(), size.height())
            if state & _SELECTED:
                draw_icon_plate(painter, box, option.palette)
                look.icon.paint(painter, box, _CENTRED, QIcon.Mode.Normal)
            else:
                look.icon.paint(painter, box, _CENTRED, icon_mode(state))
            left += size.width() + 2 * margin  # Qt's styles: a margin each side of the icon
        width = rect.right() - margin - left + 1
        if width <= 0 or not look.text:
            return
        self.texts.use_font(option.font)
        if look.colour is not None and not state & _SELECTED:
            painter.setPen(look.colour)
        else:
            painter.setPen(self._palette_colour(option.palette, state))
        painter.setFont(self.texts.font(look.italic))
        top = rect.y() + (rect.height() - self.texts.line_height(look.italic)) // 2
        painter.drawStaticText(left, top, self.texts.text(look.text, width, look.italic))

    def _margin(self, style: QStyle, widget: QWidget) -> int:
        """What Qt's styles leave between a cell's edge, its icon and its text."""
        found = self._margins.get(id(style))
        if found is None:
            found = self._margins[id(style)] = style.pixelMetric(_TEXT_MARGIN, None, widget) + 1
        return found

    def _palette_colour(self, palette: QPalette, state: int) -> QColor:
        key = (palette.cacheKey(), state & (_ENABLED | _ACTIVE | _SELECTED))
        found = self._palette_colours.get(key)
        if found is None:
            if len(self._palette_colours) > 64:  # palettes come and go with theme changes
                self._palette_colours.clear()
            found = palette.color(colour_group(state), text_role(state))
            self._palette_colours[key] = found
        return found
