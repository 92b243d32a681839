"""A live tunnel as a person watches it (issue #17, journey "traffic through a tunnel with
the figures moving"; bugs 1, 2, 8 and 11's second double-click and dismissal).

Double-click demo-rdp with a Remote Desktop program that shows a window and exits by itself;
the Tunnels tab counts the tunnel and shows its row; bytes pushed through its local port
(to demo-rdp's echo target) move Sent, Received and Rate while the tab shows; the row says
when the client exits and how; a second double-click opens the client again on the same
tunnel; Stop, then "Clear finished", leaves "No tunnels open".
"""

from __future__ import annotations

import asyncio
import os
import re
import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QTableView

from ssmgui.ui.tunnels_view import TunnelsView
from tests.acceptance.journeys import steps
from tests.acceptance.journeys.clients import RDP_FIELD, double_click_demo_rdp, name_cell
from tests.acceptance.person import Person

CLIENT_TITLE = "ssmgui-journey-viewer"
# A client a person can see, which exits by itself with status 0 after a few seconds.
CLIENT = f"xterm -title {CLIENT_TITLE} -e sleep 4"
CHUNK = 64 * 1024
MENU_MOST_PX = 450


async def live_figures(person: Person) -> None:
    await steps.open_window_from_tray(person)
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    await steps.set_setting(person, "Connecting", RDP_FIELD, CLIENT)
    await double_click_demo_rdp(person)
    await person.wait_for(
        lambda: person.other_windows(CLIENT_TITLE), 15, "the Remote Desktop client's window"
    )
    await person.click_tab("Tunnels")
    table = await person.wait_until(lambda: _tunnels_table(person), 5, "the tunnels table")
    await person.check(person.sees("Tunnels (1)"), "the tab title to count 1 tunnel")
    await person.check(not person.sees("No tunnels open"), "no 'No tunnels open' text")
    row = await person.wait_until(lambda: _cells(person, table), 5, "the tunnel's row")
    await person.check(row["State"] == "Ready", "the tunnel to be Ready")
    for title in ("Sent", "Received", "Rate", "Connections", "Up for", "Client", "Reconnects"):
        person.cell(table, 0, steps.column_of(table, title))  # fails unless it is in view
    await person.check(
        not table.horizontalScrollBar().isVisible(), "no horizontal scrollbar at the default width"
    )
    port = int(re.sub(r".*:", "", row["Local address"]))

    started = time.monotonic()
    flowing = asyncio.ensure_future(_echo_through(port, chunks=48, pause_s=0.06))
    moved = await person.wait_until(
        lambda: _moved(person, table), 5, "Sent, Received and Rate to move while bytes flow"
    )
    person.record("bytes_to_figures_moving_s", round(time.monotonic() - started, 3))
    person.record("figures_while_flowing", moved)
    await person.screenshot("figures moving while bytes flow")
    await flowing
    await person.wait_until(
        lambda: _cell(person, table, "Sent") == "3.0 MB", 5, "Sent to reach 3.0 MB"
    )
    closed = await person.wait_until(
        lambda: _client_closed(person, table), 15, "the row to say the client closed"
    )
    person.record("client_after_exit", closed)
    await person.screenshot("the client closed; the tunnel stays")
    await _tray_menu_figures_move(person, port)

    await person.click_tab("Instances")  # the filter still shows demo-rdp
    instances = await person.wait_until(
        lambda: steps.instances_table(person), 5, "the instances table"
    )
    cell = await person.wait_until(lambda: name_cell(person, instances), 5, "demo-rdp's row")
    await person.double_click(cell)  # again: the same tunnel, its client again
    await person.wait_for(
        lambda: person.other_windows(CLIENT_TITLE), 15, "the client's window, again"
    )
    await person.click_tab("Tunnels")
    await person.check(len(person.rows(table)) == 1, "one tunnel, not a second one")
    await person.click(person.cell(table, 0, 0))
    # Buttons looked for in the tunnels panel only: scanning every window's buttons met a
    # stale wrapper of a deleted QPushButton elsewhere now and then (person._enabled_button).
    panel = table.parentWidget()
    await person.click_button("Stop", window=panel)
    await person.wait_until(
        lambda: _cell(person, table, "State") == "Stopped", 10, "the tunnel to stop"
    )
    await person.click_button("Clear finished", window=panel)
    await person.wait_until(
        lambda: person.sees("No tunnels open"), 5, "'No tunnels open' once cleared"
    )
    await person.screenshot("finished tunnel cleared")


async def _tray_menu_figures_move(person: Person, port: int) -> None:
    """The tray menu counts the tunnel in a short entry: the menu stays narrow and on the
    screen (a one-line entry with every figure made it ~640 px wide); the figures in the
    entry's submenu move while it is open."""
    await steps.open_tray_menu(person)
    await person.wait_until(
        lambda: "Tunnels: 1 open" in _menu_texts(person), 5, "the menu to count 1 open tunnel"
    )
    menu = await person.wait_until(lambda: _menu_with(person, "Quit"), 5, "the tray menu")
    person.record("tray_menu_width_px", menu.width())
    await person.check(menu.width() <= MENU_MOST_PX, f"a tray menu at most {MENU_MOST_PX} px wide")
    await person.click_menu_item("RDP demo-rdp")  # its submenu: the figures
    before = await person.wait_until(lambda: _tray_traffic(person), 5, "the tunnel's figures")
    flowing = asyncio.ensure_future(_echo_through(port, chunks=16, pause_s=0.06))
    after = await person.wait_until(
        lambda: (line := _tray_traffic(person)) != before and line, 5,
        "the submenu's figures to move while it is open",
    )  # fmt: skip
    person.record("tray_entry_while_flowing", after)
    await person.screenshot("tray menu figures moving")
    await flowing
    screen = QGuiApplication.primaryScreen().geometry()
    for shown in person.find(QMenu):
        await person.check(screen.contains(shown.geometry()), "every menu on the screen")
    await person.key("Escape")  # the submenu
    await person.wait_until(lambda: _tray_traffic(person) is None, 5, "the submenu to close")
    await person.key("Escape")
    await person.wait_until(lambda: person.menu_item("Quit") is None, 5, "the menu to close")


def _menu_with(person: Person, text: str) -> QMenu | None:
    for menu in person.find(QMenu):
        if any(action.text().startswith(text) for action in menu.actions()):
            return menu
    return None


def _tray_traffic(person: Person) -> str | None:
    """The tunnel's submenu line of address and bytes, while the submenu shows."""
    return next((t for t in _menu_texts(person) if t.startswith("127.0.0.1:")), None)


def _menu_texts(person: Person) -> list[str]:
    return [text for menu in person.find(QMenu) for text in person.visible_texts(menu)]


def _tunnels_table(person: Person) -> QTableView | None:
    views = person.find(TunnelsView)
    return views[0].table if views and views[0].table.isVisible() else None


def _cells(person: Person, table: QTableView) -> dict[str, str] | None:
    """The first row as the person reads it, by column title."""
    rows = person.rows(table)
    if not rows:
        return None
    model = table.model()
    titles = [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(len(rows[0]))]
    return dict(zip(titles, rows[0], strict=True))


def _cell(person: Person, table: QTableView, column: str) -> str:
    return (_cells(person, table) or {}).get(column, "")


def _client_closed(person: Person, table: QTableView) -> str | None:
    text = _cell(person, table, "Client")
    return text if "closed normally" in text else None


def _moved(person: Person, table: QTableView) -> dict[str, str] | None:
    row = _cells(person, table)
    if row is None:
        return None
    moving = row["Sent"] != "0 B" and row["Received"] != "0 B" and "/s" in row["Rate"]
    return row if moving and not row["Rate"].startswith("↑0 B/s ↓0 B/s") else None


async def _echo_through(port: int, chunks: int, pause_s: float) -> None:
    """`chunks` × 64 KiB through the tunnel to the echo target and back, a little at a time."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(chunks):
            writer.write(os.urandom(CHUNK))
            await writer.drain()
            await reader.readexactly(CHUNK)
            await asyncio.sleep(pause_s)
    finally:
        writer.close()
