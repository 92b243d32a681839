"""The demo's welcome followed as written (issue #17 item 7): the filter it names shows the
featured instances, and a double-click on each featured instance visibly succeeds or says
plainly where the demo stops: demo-web's page opens, demo-ssh's terminal logs in (a key
pushed with EC2 Instance Connect) to the demo's shell and shows its prompt, demo-rdp's note
says there is no RDP server."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QTableView

from tests.acceptance.journeys import steps
from tests.acceptance.person import JourneyError, Person

FEATURED_FILTER = "team=demo"
FEATURED = {"demo-web", "demo-rdp", "demo-ssh", "demo-files", "demo-offline", "demo-old-agent"}
PROFILE = "demo-prod"
PAGE_TITLE = "ssmgui-journey-web"
# A browser a person can see: an xterm showing the page's HTML, kept open.
BROWSER = f"xterm -title {PAGE_TITLE} -hold -e curl -s {{url}}"
SSH_NOTE = "demo-ssh's SSH server is the demo's"
RDP_NOTE = "The demo has no Remote Desktop server"
SSH_MARKER = "typed-through-ssh"


async def follow_the_welcome(person: Person) -> None:
    """The banner names the filter; typing it leaves the featured instances of each
    profile; double-clicks on demo-web, demo-ssh and demo-rdp each show their outcome."""
    await steps.open_window_from_tray(person)
    await person.check(
        person.sees(f"type {FEATURED_FILTER} in the filter"), "the welcome to name the filter"
    )
    await person.screenshot("the welcome banner")
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    await steps.set_setting(person, "Connecting", "Browser program", BROWSER)
    table = await steps.filter_for(person, FEATURED_FILTER)
    names = {row[steps.column_of(table, "Name")] for row in person.rows(table)}
    await person.check(names == FEATURED, f"only the featured instances, got {names}")
    person.record("rows_for_team_demo", table.model().rowCount())
    await person.screenshot("team=demo shows the featured instances")

    clicked = await double_click(person, table, "demo-web")
    await person.wait_for(lambda: person.other_windows(PAGE_TITLE), 15, "demo-web's page")
    person.record("double_click_to_browser_s", round(time.monotonic() - clicked, 3))
    await person.screenshot("demo-web's page, through the tunnel")

    before = set(await terminals(person))
    await double_click(person, table, "demo-ssh")
    await person.wait_until(lambda: person.sees(SSH_NOTE), 15, "the note on demo-ssh")
    opened = await person.wait_for(lambda: _new(person, before), 15, "ssh's terminal window")
    # ssh logged in (the key the demo pushed): its session's shell folder exists.
    folder = await person.wait_until(_shell_folder, 30, "demo-ssh's shell (ssh logged in)")
    # Out from under the notification, as a person would drag it, to be read and shot.
    await person.xdotool("windowmove", "--sync", opened[0], "300", "300")
    await person.xdotool("windowactivate", "--sync", opened[0])
    await person.type_text(f"echo {SSH_MARKER} | tee marker.txt\n")
    written = folder / "marker.txt"
    await person.wait_until(
        lambda: written.is_file() and SSH_MARKER in written.read_text(), 15, "the typed command"
    )
    await person.screenshot("ssh's terminal: logged in, the demo shell's prompt")
    await person.type_text("exit\n")
    await person.wait_until(lambda: not folder.exists(), 15, "the ssh session's end")

    await double_click(person, table, "demo-rdp")
    await person.wait_until(lambda: person.sees(RDP_NOTE), 15, "the note on demo-rdp")
    await person.screenshot("demo-rdp: the demo says it has no RDP server")


def _shell_folder() -> Path | None:
    """The demo shell's temporary folder (agent_shell.py), made when ssh has logged in."""
    return next(Path(tempfile.gettempdir()).glob("ssmgui-demo-shell-*"), None)


async def double_click(person: Person, table: QTableView, name: str) -> float:
    """Select the row first, then double-click it where it is then: selecting shows the
    instance's details below the table, which can move the rows (with the welcome and a
    sign-in notice both in the bar, a double-click's second click met another row)."""
    cell = await person.wait_until(
        lambda: _name_cell(person, table, name), 5, f"{PROFILE}'s {name} in the table"
    )
    await person.click(cell)
    await asyncio.sleep(0.3)  # the details pane lays out
    cell = await person.wait_until(
        lambda: _name_cell(person, table, name), 5, f"{PROFILE}'s {name} after selecting it"
    )
    await person.double_click(cell)
    return time.monotonic()


def _name_cell(person: Person, table: QTableView, name: str) -> QPoint | None:
    profile, column = steps.column_of(table, "Profile"), steps.column_of(table, "Name")
    for offset, row in enumerate(person.rows(table)):
        if row[profile] == PROFILE and row[column] == name:
            return person.cell(table, table.rowAt(0) + offset, column)
    return None


async def terminals(person: Person) -> list[str]:
    """The visible xterm windows (x-terminal-emulator is xterm here)."""
    with contextlib.suppress(JourneyError):  # xdotool exits 1 when there is none
        return (await person.xdotool("search", "--onlyvisible", "--class", "XTerm")).split()
    return []


async def _new(person: Person, before: set[str]) -> list[str] | None:
    fresh = [window for window in await terminals(person) if window not in before]
    return fresh or None
