"""Icons by name from `resources/`, in a checkout and in a frozen (PyInstaller) bundle.

`icon("kind/rdp")` loads `resources/kind/rdp.png` plus `rdp@2x.png` and any `rdp-<size>.png`
siblings into one QIcon. A missing file never breaks the UI: a plain drawn icon stands in, so
the app runs while the packaging engineer is still drawing. Results are cached: call freely
(but only once a QGuiApplication exists, since drawing needs one).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

import ssmgui
from ssmgui.core.instance import Platform
from ssmgui.core.tunnel import TunnelKind, TunnelState

# Fallback colours, also used for state text so icon and text agree.
STATE_COLOURS: dict[TunnelState, str] = {
    TunnelState.STARTING: "#1f6fb2",
    TunnelState.READY: "#2e8b3d",
    TunnelState.RECONNECTING: "#c77c02",
    TunnelState.STOPPED: "#7a7a7a",
    TunnelState.FAILED: "#c62828",
}
_FALLBACK_COLOURS = {
    "platform": "#5a6b7d",
    "kind": "#1f6fb2",
    "tray": "#2e8b3d",
    "state": "#7a7a7a",
    "app": "#1f6fb2",
}


def resources_dir() -> Path:
    """`sys._MEIPASS/resources` when frozen by PyInstaller, else `<checkout>/resources`."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(ssmgui.__file__).resolve().parent.parent / "resources"


def _files(name: str) -> list[Path]:
    """Every size of `name`: `x.png`, `x@2x.png`, `x-16.png`, `x-32.png`, … ."""
    base = resources_dir() / name
    folder, stem = base.parent, base.name
    if not folder.is_dir():
        return []
    found = [folder / f"{stem}.png", folder / f"{stem}@2x.png"]
    found += sorted(folder.glob(f"{stem}-[0-9]*.png"))
    return [path for path in found if path.is_file()]


def _drawn(name: str) -> QIcon:
    """A plain round badge with the name's first letter, coloured by its group."""
    group, _, leaf = name.partition("/")
    colour = _FALLBACK_COLOURS.get(group, "#5a6b7d")
    if group == "state":
        colour = {s.value: c for s, c in STATE_COLOURS.items()}.get(leaf, colour)
    result = QIcon()
    for size in (16, 32, 64):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(colour))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
        if group != "state":
            font = QFont()
            font.setPixelSize(int(size * 0.6))
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(QColor("white"))
            painter.drawText(
                pixmap.rect(), Qt.AlignmentFlag.AlignCenter, (leaf or name)[:1].upper()
            )
        painter.end()
        result.addPixmap(pixmap)
    return result


@functools.cache
def icon(name: str) -> QIcon:
    """The icon `name` ("kind/rdp", "platform/windows", "tray/active", …), or a drawn stand-in."""
    files = _files(name)
    if not files:
        return _drawn(name)
    result = QIcon()
    for path in files:
        result.addFile(str(path))
    return result


def platform_icon(platform: Platform) -> QIcon:
    return icon(f"platform/{platform.name.lower()}")


def kind_icon(kind: TunnelKind) -> QIcon:
    """HTTPS shares the HTTP picture and a shell the SSH terminal's; a custom port gets
    the drawn stand-in."""
    shared = {TunnelKind.HTTPS: "http", TunnelKind.SHELL: "ssh"}
    return icon(f"kind/{shared.get(kind, kind.value)}")


def state_icon(state: TunnelState) -> QIcon:
    """A coloured dot per tunnel state (drawn: these are status marks, not artwork)."""
    return icon(f"state/{state.value}")


def tray_icon(status: str) -> QIcon:
    """ "idle", "active", "reconnecting" or "failed"; anything else shows idle."""
    known = {"idle", "active", "reconnecting", "failed"}
    return icon(f"tray/{status if status in known else 'idle'}")


def app_icon() -> QIcon:
    return icon("app/ssmgui")
