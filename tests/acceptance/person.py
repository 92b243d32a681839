"""What a journey acts and looks with, inside the app's own process (see README.md).

`Person` acts ONLY through real input events sent to the X server with xdotool (mouse
moves, clicks, double-clicks, typing, key chords), at positions computed from the widgets
that are visible on the screen. It never calls the app's controller or services. xdotool
runs as an asyncio subprocess, so the app's event loop keeps running while it acts.

It looks at what is on the screen: the visible top-level windows, the texts of their
visible widgets, table cells in view, the open menu, the focused widget, the tray icon;
and it saves screenshots of the whole screen (`import -window root`) as
`<artifacts>/<NN>-<step>.png`. `wait_until` is the only way to wait: it polls on the loop
and, on timeout, takes a screenshot and fails with what was awaited and what was visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import psutil
import shiboken6
from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTabBar,
    QTableView,
    QWidget,
)

from ssmgui.ui.main_surface import MainSurface

T = TypeVar("T")
W = TypeVar("W", bound=QWidget)

POLL_S = 0.05
XDOTOOL_TIMEOUT_S = 10.0
SCREENSHOT_TIMEOUT_S = 15.0
PAINT_SETTLE_S = 0.15  # lets Qt paint what just changed before `import` reads the screen
DOUBLE_CLICK_DELAY_MS = 80  # well inside Qt's double-click interval (400 ms by default)
TYPE_DELAY_MS = 20


class JourneyError(AssertionError):
    """What the person awaited or expected did not happen on the screen."""


@dataclass(frozen=True)
class Window:
    """A visible top-level window: its widget, title and Qt class."""

    widget: QWidget
    title: str
    kind: str


def plain(text: str) -> str:
    """A label's text as a person reads it: rich text without its markup."""
    if re.search(r"<[A-Za-z/!]", text):  # what Qt.mightBeRichText looks for, roughly
        return QTextDocumentFragment.fromHtml(text).toPlainText()
    return text


def menu_text(text: str) -> str:
    """An action's text without its mnemonic ampersands ("&Quit" reads "Quit")."""
    return re.sub(r"&(.)", r"\1", text)


class Person:
    """Acts with xdotool, looks at visible widgets, saves screenshots to `artifacts`."""

    def __init__(self, surface: MainSurface, artifacts: Path, launched_at: float) -> None:
        # The surface is only for finding the tray icon, which is not a widget: a person
        # sees it in the tray host. Never act through it.
        self._surface = surface
        self.artifacts = artifacts
        self.launched_at = launched_at  # time.time() when the app's process was started
        self.figures: dict[str, object] = {}
        self.exit_expected = False
        self._last_click = (QPoint(-1000, -1000), 0.0)
        self._shots = 0

    # --- figures ---------------------------------------------------------------------------

    def expect_exit(self) -> None:
        """Say, just before the action that quits the app, that the app may end from here
        on: a journey cut off after this by the app's exit has passed (the test then checks
        the exit status and what must be closed)."""
        self.exit_expected = True
        self.note_listeners()

    def note_listeners(self) -> None:
        """Add the TCP ports the app listens on now (the demo's fake AWS, the tunnels) to the
        figure `ports_closed_after_exit`: the test checks that quitting left none open."""
        known = self.figures.setdefault("ports_closed_after_exit", [])
        assert isinstance(known, list)
        known.extend(port for port in listening_ports() if port not in known)

    def since_launch(self) -> float:
        """Seconds since the app's process was started (wall clock: another process)."""
        return round(time.time() - self.launched_at, 3)

    def record(self, name: str, value: object) -> None:
        """A figure of this journey (a timing in seconds, a count): reported as JSON."""
        self.figures[name] = value

    # --- acting: real input through the X server -------------------------------------------

    async def xdotool(self, *args: str) -> str:
        """Run `xdotool args…` without blocking the app's loop; its output."""
        process = await asyncio.create_subprocess_exec(
            "xdotool", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        async with asyncio.timeout(XDOTOOL_TIMEOUT_S):
            out, err = await process.communicate()
        if process.returncode != 0:
            raise JourneyError(f"xdotool {' '.join(args)} failed: {err.decode().strip()}")
        return out.decode()

    async def other_windows(self, title: str) -> list[str]:
        """The ids of visible X windows titled `title` that are not the app's (a client
        the app started, say): what a person sees appear on the screen."""
        process = await asyncio.create_subprocess_exec(
            "xdotool", "search", "--onlyvisible", "--name", f"^{re.escape(title)}$",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        async with asyncio.timeout(XDOTOOL_TIMEOUT_S):
            out, _ = await process.communicate()
        return out.decode().split()  # xdotool exits 1 when none is found

    async def move_to(self, target: QPoint | QWidget) -> QPoint:
        point = self.position(target)
        # No --sync: it waits for the pointer to move, forever when it is already there.
        await self.xdotool("mousemove", str(point.x()), str(point.y()))
        return point

    async def click(self, target: QPoint | QWidget, button: int = 1) -> None:
        """Move the mouse to `target` (a global point, or a widget's centre) and click.
        Two clicks on one spot are kept apart so Qt does not take them for a double-click,
        as a person's would be."""
        point = await self.move_to(target)
        await self._not_a_double_click(point)
        await self.xdotool("click", str(button))
        self._last_click = (point, time.monotonic())

    async def _not_a_double_click(self, point: QPoint) -> None:
        last, at = self._last_click
        if (last - point).manhattanLength() <= QApplication.startDragDistance():
            interval = QApplication.doubleClickInterval() / 1000 + 0.05
            await asyncio.sleep(max(0.0, at + interval - time.monotonic()))

    async def right_click(self, target: QPoint | QWidget) -> None:
        await self.click(target, button=3)

    async def double_click(self, target: QPoint | QWidget) -> None:
        point = await self.move_to(target)
        await self._not_a_double_click(point)
        await self.xdotool("click", "--repeat", "2", "--delay", str(DOUBLE_CLICK_DELAY_MS), "1")
        self._last_click = (point, time.monotonic())

    async def type_text(self, text: str) -> None:
        """Type `text` into whatever has the keyboard focus."""
        await self.xdotool("type", "--delay", str(TYPE_DELAY_MS), "--", text)

    async def key(self, *chords: str) -> None:
        """Press key chords as xdotool names them: "Return", "ctrl+f", "alt+F4", "Escape"."""
        await self.xdotool("key", "--delay", str(TYPE_DELAY_MS), *chords)

    async def replace_text(self, field: QLineEdit, text: str) -> None:
        """Click into `field`, select all it holds, and type `text` over it."""
        await self.click(field)
        await self.wait_until(field.hasFocus, 5, f"the field {field.objectName()!r} to focus")
        await self.key("ctrl+a", "BackSpace")
        if text:
            await self.type_text(text)
        await self.wait_until(lambda: field.text() == text, 5, f"the field to read {text!r}")

    async def click_button(self, text: str, window: QWidget | None = None) -> None:
        """Click the visible, enabled button reading `text` (in `window`, or anywhere)."""
        button = await self.wait_until(
            lambda: self._enabled_button(text, window), 10, f"a button {text!r}"
        )
        await self.click(button)

    async def click_tab(self, title: str, window: QWidget | None = None) -> None:
        """Click the visible tab whose title starts with `title`."""

        def find() -> QPoint | None:
            for bar in self.find(QTabBar, window=window):
                for index in range(bar.count()):
                    if menu_text(bar.tabText(index)).startswith(title):
                        return bar.mapToGlobal(bar.tabRect(index).center())
            return None

        await self.click(await self.wait_until(find, 10, f"a tab {title!r}"))

    async def click_menu_item(self, text: str) -> None:
        """Click the item of the open menu (or submenu) whose text starts with `text`."""
        point = await self.wait_until(lambda: self.menu_item(text), 10, f"a menu item {text!r}")
        await self.click(point)

    # --- positions of what is visible -------------------------------------------------------

    def position(self, target: QPoint | QWidget) -> QPoint:
        if isinstance(target, QPoint):
            return target
        if not target.isVisible():
            raise JourneyError(f"cannot act on a hidden {type(target).__name__}")
        return target.mapToGlobal(target.rect().center())

    def cell(self, view: QAbstractItemView, row: int, column: int) -> QPoint:
        """The centre of a cell that is in view (a person cannot click a scrolled-off one)."""
        index = view.model().index(row, column)
        rect = view.visualRect(index)
        if not view.viewport().rect().contains(rect.center()):
            raise JourneyError(f"cell ({row}, {column}) is not in view")
        return view.viewport().mapToGlobal(rect.center())

    def header_section(self, view: QTableView, column: int) -> QPoint:
        header = view.horizontalHeader()
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        return header.viewport().mapToGlobal(QPoint(x, header.height() // 2))

    def menu_item(self, text: str) -> QPoint | None:
        """The centre of the visible menu item starting with `text`, if a menu shows one."""
        for menu in self.find(QMenu):
            for action in menu.actions():
                shown = menu_text(action.text())
                if shown.startswith(text) and action.isVisible() and action.isEnabled():
                    rect = menu.actionGeometry(action)
                    if not rect.isEmpty():
                        return menu.mapToGlobal(rect.center())
        return None

    def tray_icon(self) -> QRect | None:
        """Where the tray icon is, once the tray host shows it (None without a tray)."""
        tray = self._surface.tray
        if tray is None or not tray.icon.isVisible():
            return None
        geometry = tray.icon.geometry()
        # Until the tray host has embedded the icon, Qt reports it at the screen's origin.
        embedded = not geometry.topLeft().isNull() and not geometry.isEmpty()
        return geometry if embedded else None

    # --- looking ---------------------------------------------------------------------------

    def visible_windows(self) -> list[Window]:
        """Top-level windows that are shown and exposed by the X server, menus included."""
        shown = []
        for widget in QApplication.topLevelWidgets():
            handle = widget.windowHandle()
            if widget.isVisible() and handle is not None and handle.isExposed():
                kind = widget.metaObject().className()  # Qt's own for its private classes
                shown.append(Window(widget, widget.windowTitle(), kind))
        return shown

    def window(self, kind: type[W], title: str = "") -> W | None:
        """The visible top-level window of class `kind` (title containing `title`)."""
        for window in self.visible_windows():
            if isinstance(window.widget, kind) and title in window.title:
                return window.widget
        return None

    def notification(self) -> QWidget | None:
        """The tray's notification balloon, while one shows (Qt draws its own on X11)."""
        return next((w.widget for w in self.visible_windows() if w.kind == "QBalloonTip"), None)

    def main_window(self) -> QMainWindow | None:
        return self.window(QMainWindow)

    def find(
        self, kind: type[W], *, text: str = "", name: str = "", window: QWidget | None = None
    ) -> list[W]:
        """Visible widgets of class `kind` in `window` (default: every visible window),
        whose text contains `text` and whose objectName is `name`, when given."""
        roots = [window] if window is not None else [w.widget for w in self.visible_windows()]
        found: list[W] = []
        for root in roots:
            candidates = [root] if isinstance(root, kind) else []
            for widget in [*candidates, *root.findChildren(kind)]:
                if not widget.isVisible():
                    continue
                if name and widget.objectName() != name:
                    continue
                if text and not any(text in t for t in _texts_of(widget)):
                    continue
                found.append(widget)
        return found

    def visible_texts(self, window: QWidget | None = None) -> list[str]:
        """Every text a person can read in `window` (default: all visible windows): its
        title, labels, buttons, fields, tab titles, menu items, the status bar, and the
        table cells in view."""
        roots = [window] if window is not None else [w.widget for w in self.visible_windows()]
        texts: list[str] = []
        for root in roots:
            texts.append(root.windowTitle())
            for widget in [root, *root.findChildren(QWidget)]:
                if widget.isVisible():
                    texts.extend(_texts_of(widget))
            if isinstance(root, QMainWindow) and root.statusBar().isVisible():
                texts.append(root.statusBar().currentMessage())
        return [text for text in texts if text]

    def sees(self, fragment: str, window: QWidget | None = None) -> bool:
        return any(fragment in text for text in self.visible_texts(window))

    def shows(self, widget: QWidget) -> bool:
        """Whether `widget` is still on the screen (False once closed, or deleted)."""
        return shiboken6.isValid(widget) and widget.isVisible()

    def focused_widget(self) -> QWidget | None:
        return QApplication.focusWidget()

    def rows(self, view: QTableView) -> list[list[str]]:
        """The texts of every cell of the rows the table shows now, row by row."""
        return [list(texts) for texts in _rows_in_view(view)]

    def rows_in_view(self, view: QTableView, column: int) -> list[str]:
        """The texts of `column` in the rows the table shows now, top to bottom."""
        return [texts[column] for texts in _rows_in_view(view)]

    async def wait_until(self, predicate: Callable[[], T | None], timeout: float, what: str) -> T:
        """Poll `predicate` on the loop until it returns something truthy, and return that
        (so not a row number, which may be 0: return the cell's position instead).
        On timeout: a screenshot, then JourneyError naming `what` and what was visible."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(POLL_S)
        await self.fail(f"waited {timeout} s for {what}")
        raise AssertionError("unreachable")  # pragma: no cover - fail() raises

    async def wait_for(
        self, predicate: Callable[[], Awaitable[T | None]], timeout: float, what: str
    ) -> T:
        """As `wait_until`, for a predicate that must await (asks another program)."""
        deadline = time.monotonic() + timeout
        while True:
            value = await predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(POLL_S)
        await self.fail(f"waited {timeout} s for {what}")
        raise AssertionError("unreachable")  # pragma: no cover - fail() raises

    async def fail(self, what: str) -> NoReturn:
        """A screenshot, then JourneyError saying `what`, with the visible windows and texts."""
        await self.screenshot(f"failed-{what}")
        windows = [f"{w.kind} {w.title!r}" for w in self.visible_windows()]
        texts = "; ".join(self.visible_texts())[:1500]
        raise JourneyError(f"{what}. Visible windows: {windows}. Texts: {texts}")

    async def check(self, condition: object, what: str) -> None:
        """Fail (with a screenshot) unless `condition` holds; `what` says what should."""
        if not condition:
            await self.fail(f"expected {what}")

    async def screenshot(self, step: str) -> Path:
        """The whole screen as the X server shows it, as `<NN>-<step>.png`."""
        await asyncio.sleep(PAINT_SETTLE_S)
        self._shots += 1
        slug = re.sub(r"[^A-Za-z0-9]+", "-", step).strip("-")[:60].lower()
        path = self.artifacts / f"{self._shots:02d}-{slug}.png"
        process = await asyncio.create_subprocess_exec(
            "import", "-window", "root", str(path),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(SCREENSHOT_TIMEOUT_S):
            _, err = await process.communicate()
        if process.returncode != 0:
            raise JourneyError(f"screenshot {path.name} failed: {err.decode().strip()}")
        return path

    # --- helpers ---------------------------------------------------------------------------

    def _enabled_button(self, text: str, window: QWidget | None) -> QAbstractButton | None:
        for button in self.find(QAbstractButton, window=window):
            if menu_text(button.text()) == text and button.isEnabled():
                return button
        return None


def listening_ports() -> list[int]:
    """The TCP ports this process and its children listen on."""
    this = psutil.Process()
    ports: set[int] = set()
    for process in [this, *this.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a child that just ended
            for connection in process.net_connections(kind="tcp"):
                if connection.status == psutil.CONN_LISTEN:
                    ports.add(connection.laddr.port)
    return sorted(ports)


def _texts_of(widget: QWidget) -> list[str]:
    """What a person reads on one widget (its children are read separately)."""
    for kind, read in _READERS:
        if isinstance(widget, kind):
            return read(widget)
    return []


def _tab_titles(bar: QTabBar) -> list[str]:
    return [menu_text(bar.tabText(index)) for index in range(bar.count())]


def _menu_items(menu: QMenu) -> list[str]:
    return [menu_text(action.text()) for action in menu.actions() if action.isVisible()]


def _cells(view: QTableView) -> list[str]:
    return [text for row in _rows_in_view(view) for text in row]


_READERS: tuple[tuple[type[Any], Callable[[Any], list[str]]], ...] = (
    (QLabel, lambda label: [plain(label.text())]),
    (QAbstractButton, lambda button: [menu_text(button.text())]),
    (QLineEdit, lambda field: [field.text() or field.placeholderText()]),
    (QComboBox, lambda combo: [combo.currentText()]),
    (QTabBar, _tab_titles),
    (QMenu, _menu_items),
    (QTableView, _cells),
)


def _rows_in_view(view: QTableView) -> Iterable[list[str]]:
    """The display texts of each row that is at least partly in view."""
    model = view.model()
    if model is None or model.rowCount() == 0:
        return []
    top = view.rowAt(0)
    bottom = view.rowAt(view.viewport().height() - 1)
    bottom = model.rowCount() - 1 if bottom < 0 else bottom
    if top < 0:
        return []
    return [
        [_cell_text(model.index(row, column)) for column in range(model.columnCount())]
        for row in range(top, bottom + 1)
    ]


def _cell_text(index: QModelIndex) -> str:
    value = index.data(Qt.ItemDataRole.DisplayRole)
    return "" if value is None else str(value)
