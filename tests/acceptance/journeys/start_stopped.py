"""Start and connect (issue #18, stopped instances): demo-dev's demo-offline is stopped in
EC2 and its row says so; right-click → "Start and connect: Web page (HTTP)" shows the
start's progress in a dialog, which closes once Session Manager has the instance online,
and the page's client opens through a Ready tunnel."""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QProgressDialog, QTableView

from tests.acceptance.journeys import steps
from tests.acceptance.person import Person

PROFILE = "demo-dev"  # keys alone, no production mark: no prompt of its own
INSTANCE = "demo-offline"
ENTRY = "Start and connect: Web page (HTTP)"
PAGE_TITLE = "ssmgui-journey-started"
BROWSER = f"xterm -title {PAGE_TITLE} -hold -e curl -s {{url}}"


async def start_and_connect(person: Person) -> None:
    """Stopped → right-click → Start and connect: progress, then the client and Ready."""
    await steps.open_window_from_tray(person)
    await steps.sign_in(person)
    await steps.set_setting(person, "Connecting", "Browser program", BROWSER)
    table = await steps.filter_for(person, INSTANCE)
    status = await person.wait_until(lambda: _row(person, table, "Status"), 5, "its row")
    await person.check(status[1] == "Stopped", f"the row to say Stopped, not {status[1]!r}")
    await person.screenshot("demo-offline says Stopped")

    await person.right_click(status[0])
    await person.wait_until(lambda: person.menu_item(ENTRY), 5, "the context menu")
    await person.screenshot("Start and connect in the context menu")
    await person.click_menu_item(ENTRY)
    clicked = time.monotonic()
    dialog = await person.wait_until(
        lambda: person.window(QProgressDialog, INSTANCE), 10, "the start's progress dialog"
    )
    await person.wait_until(
        lambda: person.sees("pending", dialog) or person.sees("runs", dialog),
        15,
        "the dialog to say how the start goes",
    )
    await person.screenshot("starting, with a Cancel")
    await person.wait_until(lambda: not person.shows(dialog), 30, "the dialog to close (online)")
    await person.wait_for(lambda: person.other_windows(PAGE_TITLE), 15, "the page's client")
    person.record("start_to_client_s", round(time.monotonic() - clicked, 3))
    await person.click_tab("Tunnels")
    await person.wait_until(lambda: person.sees("Ready"), 15, "its tunnel Ready")
    await person.screenshot("started and connected")


def _row(person: Person, table: QTableView, column: str) -> tuple[QPoint, str] | None:
    """The position and text of `column` in demo-dev's demo-offline row, when shown."""
    profile, name = steps.column_of(table, "Profile"), steps.column_of(table, "Name")
    wanted = steps.column_of(table, column)
    for offset, row in enumerate(person.rows(table)):
        if row[profile] == PROFILE and row[name] == INSTANCE:
            return person.cell(table, table.rowAt(0) + offset, wanted), row[wanted]
    return None
