"""The "Open shell" entry (issue #18, the GUI part): a right-click on demo-dev's demo-files (a
featured Linux instance) → Open shell opens an xterm running `ssmgui --demo shell`; a
person types a command in it and its output shows there. The demo's shell is a real shell
on this computer in a temporary folder (`ssmgui-demo-shell-*` in TMPDIR, which is also its
HOME), so what the typed command wrote is checked in that folder too."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QTableView

from tests.acceptance.journeys import steps
from tests.acceptance.journeys.demo_guide import terminals
from tests.acceptance.person import Person

PROFILE = "demo-dev"  # signs in without MFA: nothing to type in the terminal first
NAME = "demo-files"
ENTRY = "Open shell"
MARKER = "hello-from-shell"
SHELL_NOTE = "real shell on THIS computer"


async def open_shell_and_type(person: Person) -> None:
    """Right-click demo-files → Open shell: an xterm opens with the demo's shell; `echo
    hello-from-shell` typed there prints in it (and lands in the shell's folder); `exit`
    closes the window."""
    await steps.open_window_from_tray(person)
    await steps.sign_in(person)
    table = await steps.filter_for(person, NAME)
    cell = await person.wait_until(lambda: _row_of(person, table), 5, f"{PROFILE}'s {NAME}")
    before = set(await terminals(person))
    await person.right_click(cell)
    await person.wait_until(lambda: person.menu_item(ENTRY), 5, "the context menu")
    await person.screenshot("the context menu offers Open shell")
    await person.click_menu_item(ENTRY)
    clicked = time.monotonic()
    opened = await person.wait_for(lambda: _new(person, before), 15, "the shell's terminal")
    folder = await person.wait_until(_shell_folder, 30, "the demo shell's folder")
    person.record("click_to_shell_s", round(time.monotonic() - clicked, 3))
    await person.wait_until(lambda: person.sees(SHELL_NOTE), 10, "the note on the demo's shell")
    # Out from under the notification, as a person would drag it, to be read and shot.
    await person.xdotool("windowmove", "--sync", opened[0], "300", "300")
    await person.xdotool("windowactivate", "--sync", opened[0])
    await person.type_text(f"echo {MARKER} | tee marker.txt\n")
    written = folder / "marker.txt"
    await person.wait_until(
        lambda: written.is_file() and MARKER in written.read_text(), 15, "the typed command to run"
    )
    await person.screenshot("the shell printed hello-from-shell in the xterm")
    await person.type_text("exit\n")
    await person.wait_for(lambda: _gone(person, opened), 15, "the terminal to close on exit")
    await person.wait_until(lambda: not folder.exists(), 10, "the shell's folder to be removed")


def _row_of(person: Person, table: QTableView) -> QPoint | None:
    profile, column = steps.column_of(table, "Profile"), steps.column_of(table, "Name")
    for offset, row in enumerate(person.rows(table)):
        if row[profile] == PROFILE and row[column] == NAME:
            return person.cell(table, table.rowAt(0) + offset, column)
    return None


def _shell_folder() -> Path | None:
    return next(Path(tempfile.gettempdir()).glob("ssmgui-demo-shell-*"), None)


async def _new(person: Person, before: set[str]) -> list[str] | None:
    fresh = [window for window in await terminals(person) if window not in before]
    return fresh or None


async def _gone(person: Person, windows: list[str]) -> bool:
    return not set(windows) & set(await terminals(person))
