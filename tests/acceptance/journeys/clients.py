"""Clients started by a double-click: a bad client command shows an error dialog; a
working one opens, and Quit from the tray stops its tunnel (issue #17, journeys 4, 5)."""

from __future__ import annotations

import re
import socket
import time

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox, QTableView, QToolButton, QWidget

from ssmgui.ui.tunnels_view import TunnelsView
from tests.acceptance.journeys import steps
from tests.acceptance.person import Person

MISSING_CLIENT = "/nonexistent/ssmgui-journey-rdp"
CLIENT_TITLE = "ssmgui-journey-rdp"
# A client a person can see: an xterm with a known title, which goes away by itself.
WORKING_CLIENT = f"xterm -title {CLIENT_TITLE} -e sleep 3"
RDP_FIELD = "Remote Desktop program"
# demo-dev signs in with keys alone and is no production profile: no prompt of its own.
PROFILE = "demo-dev"
INSTANCE = "demo-rdp"


async def double_click_demo_rdp(person: Person) -> float:
    """Double-click demo-dev's demo-rdp (found through the filter); the time of the click."""
    table = await steps.filter_for(person, INSTANCE)
    cell = await person.wait_until(
        lambda: name_cell(person, table), 5, f"{PROFILE}'s {INSTANCE} in the table"
    )
    await person.double_click(cell)
    return time.monotonic()


def name_cell(person: Person, table: QTableView) -> QPoint | None:
    profile = steps.column_of(table, "Profile")
    name = steps.column_of(table, "Name")
    for offset, row in enumerate(person.rows(table)):
        if row[profile] == PROFILE and row[name] == INSTANCE:
            return person.cell(table, table.rowAt(0) + offset, name)
    return None


async def bad_client_command(person: Person) -> None:
    """Settings → Connecting → a Remote Desktop program that does not exist; a
    double-click on demo-rdp shows a message box naming it; OK closes it."""
    await steps.open_window_from_tray(person)
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    await steps.set_setting(person, "Connecting", RDP_FIELD, f"{MISSING_CLIENT} {{file}}")
    clicked = await double_click_demo_rdp(person)
    box = await person.wait_until(
        lambda: person.window(QMessageBox), 15, "a message box about the client"
    )
    person.record("double_click_to_error_s", round(time.monotonic() - clicked, 3))
    person.record("error_text", box.text())
    await person.screenshot("the client could not be started")
    await person.check(MISSING_CLIENT in box.text(), f"the message to name {MISSING_CLIENT}")
    # The error alone: "Ready on 127.0.0.1:…" showed beside it, as if all was well.
    await person.check(
        not any("Ready on" in text for text in person.visible_texts()),
        "no 'Ready on' notification beside the error",
    )
    await person.click_button("OK", window=box)
    await person.wait_until(lambda: not person.shows(box), 5, "the message box to close")
    # The tunnel stays (controller._open_for_client says why): its row says the client did
    # not start, and "Open again" is there for once the setting is fixed.
    await person.click_tab("Tunnels")
    table = await person.wait_until(lambda: _tunnels_table(person), 5, "the tunnels table")
    row = await person.wait_until(lambda: _first_row(person, table), 5, "the tunnel's row")
    person.record("row_after_bad_client", row)
    await person.check(row["State"] == "Ready", "the tunnel to stay Ready")
    await person.check(row["Client"].startswith("not started"), "the row to say not started")
    await person.click(person.cell(table, 0, steps.column_of(table, "Tunnel")))
    panel = table.parentWidget()
    assert panel is not None
    await person.wait_until(lambda: _enabled(person, "Open again", panel), 5, "Open again")
    await person.screenshot("the tunnel stays, its client not started")


async def quit_from_tray_with_a_tunnel(person: Person) -> None:
    """A working client opens on double-click; the tray menu lists its tunnel's local
    address, which accepts connections; Quit from that menu ends the app (the test then
    checks the process exited 0 and the port no longer listens)."""
    await steps.open_window_from_tray(person)
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    await steps.set_setting(person, "Connecting", RDP_FIELD, WORKING_CLIENT)
    clicked = await double_click_demo_rdp(person)
    await person.wait_for(
        lambda: person.other_windows(CLIENT_TITLE), 15, "the Remote Desktop client's window"
    )
    person.record("double_click_to_client_s", round(time.monotonic() - clicked, 3))
    await person.screenshot("client window open")
    await steps.open_tray_menu(person)
    port = await person.wait_until(lambda: _tunnel_port(person), 5, "the tunnel in the menu")
    await person.screenshot("tray menu with the tunnel")
    await person.check(_listens(port), f"the tunnel's port {port} to accept connections")
    person.record("ports_closed_after_exit", [port])
    person.expect_exit()
    await person.click_menu_item("Quit")
    await person.wait_until(
        lambda: person.tray_icon() is None and person.main_window() is None,
        10, "the tray icon and the window to go",
    )  # fmt: skip


def _enabled(person: Person, text: str, window: QWidget) -> bool:
    return any(button.isEnabled() for button in person.find(QToolButton, text=text, window=window))


def _tunnels_table(person: Person) -> QTableView | None:
    views = person.find(TunnelsView)
    return views[0].table if views and views[0].table.isVisible() else None


def _first_row(person: Person, table: QTableView) -> dict[str, str] | None:
    rows = person.rows(table)
    if not rows:
        return None
    model = table.model()
    titles = [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(len(rows[0]))]
    return dict(zip(titles, rows[0], strict=True))


def _tunnel_port(person: Person) -> int | None:
    for text in person.visible_texts():
        found = re.search(r"127\.0\.0\.1:(\d+)", text)
        if found:
            return int(found.group(1))
    return None


def _listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False
