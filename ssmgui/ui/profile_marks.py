"""Profile marks as Qt shows them: a colour per profile, and the swatch that carries it into
the instance table, the tunnels table, the tray menu and the settings.

The rules (which profile is marked, with which colour) are `ssmgui.core.profile_marks`';
`ProfileMarks` answers "which QColor, if any" per profile name, once per name per settings
change, because the instance table asks for every painted row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

from ssmgui.core.profile_marks import mark_colour

SWATCH_SIZE = 14
TINT_ALPHA = 70  # of 255: the mark behind a tunnel's title, dark text still readable


class ProfileMarks:
    """The mark colour of each profile under the settings' `profile_colours`."""

    def __init__(self, chosen: Mapping[str, str] | None = None) -> None:
        self._chosen: dict[str, str] = dict(chosen or {})
        self._colours: dict[str, QColor | None] = {}

    def update(self, chosen: Mapping[str, str]) -> bool:
        """Take the settings' choice; True when it changed (views then repaint)."""
        if dict(chosen) == self._chosen:
            return False
        self._chosen = dict(chosen)
        self._colours.clear()
        return True

    def colour(self, profile: str) -> QColor | None:
        if profile not in self._colours:
            text = mark_colour(profile, self._chosen)
            self._colours[profile] = QColor(text) if text else None
        return self._colours[profile]

    def tint(self, profile: str) -> QColor | None:
        """The mark, light enough to lie behind text (a table cell's background)."""
        colour = self.colour(profile)
        if colour is None:
            return None
        tint = QColor(colour)
        tint.setAlpha(TINT_ALPHA)
        return tint

    def text(self, profile: str) -> str:
        """The colour as the settings write it: "#rrggbb", or "" when not marked."""
        return mark_colour(profile, self._chosen)

    def icon(self, profile: str) -> QIcon | None:
        """The swatch of a marked profile; None when it is not marked."""
        text = self.text(profile)
        return swatch_icon(text) if text else None


#: A view's way to ask for a profile's colour.
MarkLookup = Callable[[str], "QColor | None"]


@functools.cache
def swatch_icon(colour: str) -> QIcon:
    """A small filled square in `colour` ("#rrggbb"); an empty outline for "" (no mark)."""
    pixmap = QPixmap(SWATCH_SIZE, SWATCH_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    box = QRectF(1.5, 1.5, SWATCH_SIZE - 3, SWATCH_SIZE - 3)
    if colour:
        painter.setPen(QPen(QColor(colour).darker(130), 1))
        painter.setBrush(QColor(colour))
    else:
        painter.setPen(QPen(QColor("#8a8a8a"), 1, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(box, 2, 2)
    painter.end()
    return QIcon(pixmap)
