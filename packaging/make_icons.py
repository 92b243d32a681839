"""Draw every icon in resources/ with QPainter, offscreen. Run from the repository root:

    QT_QPA_PLATFORM=offscreen python packaging/make_icons.py

The design is one glyph: a rounded terminal window with a prompt chevron and a cursor, the
way in to a remote machine. Tray icons add a small state badge; the macOS template images
use shape (filled, ring, cross) instead of colour, because macOS paints them in the menu
bar's own colour. resources/README.md lists the names the code uses.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"

BLUE_TOP = QColor("#3b82f6")
BLUE_BOTTOM = QColor("#1d4ed8")
SLATE = QColor("#64748b")
SLATE_DARK = QColor("#475569")
WHITE = QColor("#ffffff")
GREEN = QColor("#22c55e")
AMBER = QColor("#f59e0b")
RED = QColor("#ef4444")
INK = QColor("#000000")

TRAY_STATES = ("idle", "active", "reconnecting", "failed")
TRAY_SIZES = (16, 20, 22, 24, 32, 40, 48, 64)
APP_SIZES = (16, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 256)
# ICNS entry types holding PNG data, by pixel size (ic11..ic14 are the @2x entries).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic13", 256),
    (b"ic08", 256),
    (b"ic14", 512),
    (b"ic09", 512),
    (b"ic10", 1024),
)

Painter = Callable[[QPainter, float], None]


def render(size: int, draw: Painter) -> QImage:
    """A transparent `size`×`size` image with `draw(painter, size)` applied."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw(painter, float(size))
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 6.12 stubs type the format as bytes; the binding accepts only str.
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
        raise RuntimeError("PNG encoding failed")
    buffer.close()
    return bytes(data.data())


def save_png(image: QImage, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(image))


# --- the glyph -------------------------------------------------------------------------


def _snap(value: float, size: float) -> float:
    """Round to the pixel grid at small sizes so strokes stay sharp."""
    return round(value) if size <= 48 else value


def window_rect(size: float, inset: float) -> QRectF:
    pad = _snap(size * inset, size)
    return QRectF(pad, pad, size - 2 * pad, size - 2 * pad)


def prompt_path(rect: QRectF) -> QPainterPath:
    """The chevron `>` and the cursor `_`, as open strokes inside `rect`."""
    x, y, w, h = rect.x(), rect.y(), rect.width(), rect.height()
    path = QPainterPath()
    path.moveTo(x + w * 0.24, y + h * 0.30)
    path.lineTo(x + w * 0.46, y + h * 0.50)
    path.lineTo(x + w * 0.24, y + h * 0.70)
    path.moveTo(x + w * 0.54, y + h * 0.70)
    path.lineTo(x + w * 0.78, y + h * 0.70)
    return path


def stroke_width(size: float) -> float:
    if size <= 16:
        return 2.0
    if size <= 24:
        return 2.4
    return size * 0.095


def draw_coloured_glyph(painter: QPainter, size: float, top: QColor, bottom: QColor) -> None:
    """A filled rounded window with a white prompt: reads on light and dark bars alike."""
    rect = window_rect(size, 0.06 if size <= 24 else 0.08)
    gradient = QLinearGradient(rect.topLeft(), rect.bottomLeft())
    gradient.setColorAt(0.0, top)
    gradient.setColorAt(1.0, bottom)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(gradient))
    radius = rect.width() * 0.22
    painter.drawRoundedRect(rect, radius, radius)
    pen = QPen(WHITE, stroke_width(size))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(prompt_path(rect))


def badge_rect(size: float) -> QRectF:
    diameter = max(7.0, size * 0.50)
    return QRectF(size - diameter, size - diameter, diameter, diameter)


def draw_badge(painter: QPainter, size: float, state: str) -> None:
    """A coloured dot in the corner, cut free of the glyph by a transparent ring."""
    if state == "idle":
        return
    rect = badge_rect(size)
    ring = max(1.0, size * 0.07)
    # Clear a ring around the badge so it stays distinct from the glyph at 16 px.
    painter.save()
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(INK))
    painter.drawEllipse(rect.adjusted(-ring, -ring, ring, ring))
    painter.restore()
    colour = {"active": GREEN, "reconnecting": AMBER, "failed": RED}[state]
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(colour))
    painter.drawEllipse(rect)
    draw_badge_mark(painter, rect, state, WHITE)


def draw_badge_mark(painter: QPainter, rect: QRectF, state: str, colour: QColor) -> None:
    """The mark inside a badge: a curved arrow (reconnecting) or a cross (failed)."""
    width = max(1.2, rect.width() * 0.16)
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    inner = rect.adjusted(
        rect.width() * 0.3, rect.height() * 0.3, -rect.width() * 0.3, -rect.height() * 0.3
    )
    if state == "failed":
        painter.drawLine(inner.topLeft(), inner.bottomRight())
        painter.drawLine(inner.topRight(), inner.bottomLeft())
    elif state == "reconnecting" and rect.width() >= 12:
        painter.drawArc(inner, 90 * 16, 270 * 16)


def tray_coloured(state: str) -> Painter:
    def draw(painter: QPainter, size: float) -> None:
        if state == "idle":
            draw_coloured_glyph(painter, size, SLATE, SLATE_DARK)
        else:
            draw_coloured_glyph(painter, size, BLUE_TOP, BLUE_BOTTOM)
        draw_badge(painter, size, state)

    return draw


def tray_template(state: str) -> Painter:
    """Black-on-transparent for macOS (`…Template` images are tinted by the system).

    idle: outlined window; active: filled window with the prompt cut out; reconnecting and
    failed: outlined window with a ring or a cross-in-a-dot badge.
    """

    def draw(painter: QPainter, size: float) -> None:
        rect = window_rect(size, 0.08)
        radius = rect.width() * 0.22
        line = max(1.5, size * 0.085)
        prompt_pen = QPen(INK, stroke_width(size) * 0.9)
        prompt_pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        prompt_pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        if state == "active":
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(INK))
            painter.drawRoundedRect(rect, radius, radius)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            painter.setPen(prompt_pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(prompt_path(rect))
            return
        half = line / 2
        outline = rect.adjusted(half, half, -half, -half)
        painter.setPen(QPen(INK, line))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(outline, radius - half, radius - half)
        painter.setPen(prompt_pen)
        painter.drawPath(prompt_path(rect))
        if state == "idle":
            return
        badge = badge_rect(size)
        ring = max(1.0, size * 0.07)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(INK))
        painter.drawEllipse(badge.adjusted(-ring, -ring, ring, ring))
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        if state == "failed":
            painter.drawEllipse(badge)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            draw_badge_mark(painter, badge, "failed", INK)
        else:
            ring_pen = QPen(INK, max(1.5, badge.width() * 0.2))
            painter.setPen(ring_pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            inset = ring_pen.widthF() / 2
            painter.drawArc(badge.adjusted(inset, inset, -inset, -inset), 90 * 16, 280 * 16)

    return draw


# --- app icon --------------------------------------------------------------------------


def draw_app(painter: QPainter, size: float) -> None:
    """The app icon: the glyph on a blue tile with a soft shadow (macOS grid: 10 % margin)."""
    if size < 64:
        draw_coloured_glyph(painter, size, BLUE_TOP, BLUE_BOTTOM)
        return
    margin = size * 0.10
    tile = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    radius = tile.width() * 0.225
    shadow = tile.translated(0, size * 0.012)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor(0, 0, 0, 70)))
    painter.drawRoundedRect(shadow.adjusted(-1, -1, 1, 2), radius, radius)
    gradient = QLinearGradient(tile.topLeft(), tile.bottomLeft())
    gradient.setColorAt(0.0, QColor("#2b5fd9"))
    gradient.setColorAt(1.0, QColor("#0f2a6b"))
    painter.setBrush(QBrush(gradient))
    painter.drawRoundedRect(tile, radius, radius)
    # The tunnel: concentric arches receding toward the prompt.
    for index, alpha in enumerate((40, 28, 18)):
        inset = tile.width() * (0.10 + 0.08 * index)
        arch = tile.adjusted(inset, inset, -inset, -inset * 0.2)
        pen = QPen(QColor(255, 255, 255, alpha), size * 0.018)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        path = QPainterPath()
        path.moveTo(arch.left(), arch.bottom())
        path.lineTo(arch.left(), arch.top() + arch.width() / 2)
        path.arcTo(QRectF(arch.left(), arch.top(), arch.width(), arch.width()), 180, -180)
        path.lineTo(arch.right(), arch.bottom())
        painter.drawPath(path)
    pen = QPen(WHITE, size * 0.065)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    inner = tile.adjusted(tile.width() * 0.06, tile.width() * 0.1, 0, 0)
    painter.drawPath(prompt_path(inner))


# --- small menu icons --------------------------------------------------------------------


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def draw_windows(painter: QPainter, size: float) -> None:
    gap = max(1.0, size * 0.07)
    pad = size * 0.1
    cell = (size - 2 * pad - gap) / 2
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor("#0ea5e9")))
    for row in range(2):
        for col in range(2):
            x = pad + col * (cell + gap)
            y = pad + row * (cell + gap)
            painter.drawRect(QRectF(_snap(x, size), _snap(y, size), cell, cell))


def draw_linux(painter: QPainter, size: float) -> None:
    """A penguin, simplified: dark body, white belly, orange feet."""
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor("#1f2937")))
    body = QRectF(size * 0.2, size * 0.06, size * 0.6, size * 0.84)
    painter.drawRoundedRect(body, size * 0.3, size * 0.3)
    painter.setBrush(QBrush(QColor("#f8fafc")))
    painter.drawEllipse(QRectF(size * 0.3, size * 0.38, size * 0.4, size * 0.48))
    painter.setBrush(QBrush(QColor("#f59e0b")))
    painter.drawEllipse(QRectF(size * 0.4, size * 0.24, size * 0.2, size * 0.12))
    painter.drawEllipse(QRectF(size * 0.14, size * 0.8, size * 0.3, size * 0.16))
    painter.drawEllipse(QRectF(size * 0.56, size * 0.8, size * 0.3, size * 0.16))
    if size >= 24:
        painter.setBrush(QBrush(QColor("#f8fafc")))
        eye = size * 0.08
        painter.drawEllipse(QRectF(size * 0.37, size * 0.14, eye, eye))
        painter.drawEllipse(QRectF(size * 0.55, size * 0.14, eye, eye))


def draw_macos(painter: QPainter, size: float) -> None:
    """An apple-like silhouette: two overlapping lobes, a bite and a leaf."""
    colour = QColor("#6b7280")
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(colour))
    body = QPainterPath()
    body.addEllipse(QRectF(size * 0.1, size * 0.28, size * 0.46, size * 0.64))
    body.addEllipse(QRectF(size * 0.44, size * 0.28, size * 0.46, size * 0.64))
    body.setFillRule(Qt.FillRule.WindingFill)
    bite = QPainterPath()
    bite.addEllipse(QRectF(size * 0.72, size * 0.42, size * 0.3, size * 0.3))
    painter.drawPath(body.simplified().subtracted(bite))
    leaf = QPainterPath()
    leaf.moveTo(size * 0.5, size * 0.26)
    leaf.quadTo(size * 0.52, size * 0.04, size * 0.72, size * 0.04)
    leaf.quadTo(size * 0.70, size * 0.24, size * 0.5, size * 0.26)
    painter.drawPath(leaf)


def draw_rdp(painter: QPainter, size: float) -> None:
    """A monitor: remote desktop."""
    line = max(1.5, size * 0.09)
    screen = QRectF(size * 0.08, size * 0.12, size * 0.84, size * 0.56)
    half = line / 2
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor("#93c5fd")))
    painter.drawRoundedRect(screen, size * 0.08, size * 0.08)
    painter.setPen(_pen(QColor("#1d4ed8"), line))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(screen.adjusted(half, half, -half, -half), size * 0.06, size * 0.06)
    painter.drawLine(QPointF(size * 0.5, size * 0.68), QPointF(size * 0.5, size * 0.86))
    painter.drawLine(QPointF(size * 0.28, size * 0.88), QPointF(size * 0.72, size * 0.88))


def draw_ssh(painter: QPainter, size: float) -> None:
    """A dark terminal with a green prompt."""
    rect = QRectF(size * 0.06, size * 0.12, size * 0.88, size * 0.76)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor("#1f2937")))
    painter.drawRoundedRect(rect, size * 0.14, size * 0.14)
    painter.setPen(_pen(QColor("#4ade80"), max(1.5, size * 0.1)))
    painter.drawPath(prompt_path(rect))


def draw_http(painter: QPainter, size: float) -> None:
    """A globe: web page through a tunnel."""
    line = max(1.2, size * 0.075)
    half = line / 2
    globe = QRectF(size * 0.08 + half, size * 0.08 + half, size * 0.84 - line, size * 0.84 - line)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor("#ccfbf1")))
    painter.drawEllipse(globe)
    painter.setPen(_pen(QColor("#0f766e"), line))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(globe)
    centre = globe.center()
    meridian = QRectF(
        centre.x() - globe.width() * 0.22, globe.top(), globe.width() * 0.44, globe.height()
    )
    painter.drawEllipse(meridian)
    painter.drawLine(QPointF(globe.left(), centre.y()), QPointF(globe.right(), centre.y()))


SMALL_ICONS: dict[str, Painter] = {
    "platform/windows": draw_windows,
    "platform/linux": draw_linux,
    "platform/macos": draw_macos,
    "kind/rdp": draw_rdp,
    "kind/ssh": draw_ssh,
    "kind/http": draw_http,
}


# --- containers --------------------------------------------------------------------------


def ico_bytes(images: list[QImage]) -> bytes:
    """A Windows .ico with one PNG-compressed entry per image (Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    entries = b""
    payload = b""
    offset = 6 + 16 * len(images)
    for image in images:
        data = png_bytes(image)
        side = image.width()
        byte_side = 0 if side >= 256 else side
        entries += struct.pack("<BBBBHHII", byte_side, byte_side, 0, 0, 1, 32, len(data), offset)
        payload += data
        offset += len(data)
    return header + entries + payload


def icns_bytes(by_size: dict[int, QImage]) -> bytes:
    """An Apple .icns: 'icns' + big-endian length, then (type, length, PNG) entries."""
    body = b""
    for kind, side in ICNS_TYPES:
        data = png_bytes(by_size[side])
        body += kind + struct.pack(">I", len(data) + 8) + data
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def write_all(out: Path) -> list[Path]:
    written: list[Path] = []

    def save(image: QImage, relative: str) -> None:
        path = out / relative
        save_png(image, path)
        written.append(path)

    for state in TRAY_STATES:
        for side in TRAY_SIZES:
            save(render(side, tray_coloured(state)), f"tray/{state}-{side}.png")
        save(render(18, tray_template(state)), f"tray/{state}Template.png")
        save(render(36, tray_template(state)), f"tray/{state}Template@2x.png")
    for name, draw in SMALL_ICONS.items():
        save(render(16, draw), f"{name}.png")
        save(render(32, draw), f"{name}@2x.png")
    app = {side: render(side, draw_app) for side in APP_SIZES}
    for side in (256, 512, 1024):
        save(app[side], f"app/ssmgui-{side}.png")
    ico = out / "app" / "ssmgui.ico"
    ico.write_bytes(
        ico_bytes([app[side] if side in app else render(side, draw_app) for side in ICO_SIZES])
    )
    icns = out / "app" / "ssmgui.icns"
    icns.write_bytes(icns_bytes(app))
    written += [ico, icns]
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else RESOURCES
    app = QGuiApplication.instance() or QGuiApplication([])
    written = write_all(out)
    del app
    print(f"make_icons: wrote {len(written)} files under {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
