"""Stop a tunnel from the Tunnels tab (issue #17, journey "stop").

A person opens demo-rdp (its client an xterm that closes by itself), selects the tunnel's
row in the Tunnels tab and clicks Stop: the row says Stopped, the connection a client had
through it ends, and its local port no longer accepts connections — while the app runs
on (the harness checks ports only after the app quit).
"""

from __future__ import annotations

import asyncio
import re
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from ssmgui.ui.tunnels_view import TunnelsView
from tests.acceptance.journeys import steps
from tests.acceptance.journeys.clients import RDP_FIELD, double_click_demo_rdp
from tests.acceptance.person import Person

CLIENT_TITLE = "ssmgui-journey-stop"
CLIENT = f"xterm -title {CLIENT_TITLE} -e sleep 2"
CONNECT_TIMEOUT_S = 2.0


async def stop_from_the_tunnels_tab(person: Person) -> None:
    """Ready → select its row → Stop: Stopped, the open connection ends, the port is shut."""
    await steps.open_window_from_tray(person)
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    await steps.set_setting(person, "Connecting", RDP_FIELD, CLIENT)
    await double_click_demo_rdp(person)
    # The client's window first: by then the demo's notice bar has pushed the tabs down.
    await person.wait_for(
        lambda: person.other_windows(CLIENT_TITLE), 15, "the Remote Desktop client's window"
    )
    await person.click_tab("Tunnels")
    table = await person.wait_until(lambda: _tunnels_table(person), 5, "the tunnels table")
    await person.wait_until(lambda: _cell(person, table, "State") == "Ready", 15, "Ready")
    port = int(re.sub(r".*:", "", _cell(person, table, "Local address")))
    await person.check(await _listens(port), f"the tunnel's port {port} to accept connections")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)  # a client's connection
    try:
        await person.click(person.cell(table, 0, steps.column_of(table, "Tunnel")))
        await person.screenshot("the tunnel selected, Ready")
        await person.click_button("Stop", window=table.parentWidget())
        clicked = time.monotonic()
        await person.wait_until(
            lambda: _cell(person, table, "State") == "Stopped", 10, "the row to say Stopped"
        )
        await person.wait_for(lambda: _ended(reader), 10, "the client's connection to end")
        await person.wait_for(lambda: _shut(port), 5, f"port {port} to stop listening")
        person.record("stop_to_port_shut_s", round(time.monotonic() - clicked, 3))
    finally:
        writer.close()
    # It read "1 open · 2 total" and "Up for 0 s": a finished tunnel has no open connection
    # and says how long it was up.
    connections, uptime = _cell(person, table, "Connections"), _cell(person, table, "Up for")
    person.record("stopped_row", {"Connections": connections, "Up for": uptime})
    await person.check(connections.startswith("0 open"), "no open connection once stopped")
    await person.check(uptime not in ("0 s", "—", ""), "how long it was up, once stopped")
    await person.screenshot("stopped: the port is shut")


def _tunnels_table(person: Person) -> QTableView | None:
    views = person.find(TunnelsView)
    return views[0].table if views and views[0].table.isVisible() else None


def _cell(person: Person, table: QTableView, title: str) -> str:
    """The first row's cell under the column `title`, as the person reads it."""
    rows = person.rows(table)
    if not rows:
        return ""
    model = table.model()
    titles = [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(len(rows[0]))]
    return dict(zip(titles, rows[0], strict=True)).get(title, "")


async def _listens(port: int) -> bool:
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


async def _shut(port: int) -> bool:
    return not await _listens(port)


async def _ended(reader: asyncio.StreamReader) -> bool:
    """True once the connection gives end-of-file or is reset (a short read attempt)."""
    try:
        async with asyncio.timeout(0.2):
            return await reader.read(65536) == b""
    except TimeoutError:
        return False
    except ConnectionError:
        return True
