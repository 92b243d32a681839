"""Favourites as a person adds and manages them (issue #17 item 9).

Adding demo-web's SSH favourite for a second profile silently replaced the first (both were
"SSH demo-web"), and nothing listed, renamed, removed or auto-started favourites.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QTableView, QTableWidget, QToolButton

from tests.acceptance.journeys import steps
from tests.acceptance.person import Person

WEB = "demo-web"
PROD, STAGING = "demo-prod", "demo-staging"


async def add_and_manage(person: Person) -> None:
    """demo-web's SSH favourite added in demo-prod and in demo-staging: two entries in the
    tray, each naming its profile. "Favourites…" in the window lists both; renamed in place,
    one set to start at launch, Save: the tray shows the new name. From the tray's
    "Favourites…" one is removed, and the tray shows only the other."""
    await steps.open_window_from_tray(person)
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    table = await steps.filter_for(person, WEB)
    for profile in (PROD, STAGING):
        await _add_ssh_favourite(person, table, profile)

    await steps.open_tray_menu(person)
    stars = await person.wait_until(lambda: _stars(person, 2), 5, "two favourites in the tray")
    await person.check(PROD in stars[0] and STAGING in stars[1], f"each names its profile: {stars}")
    await person.screenshot("two favourites in the tray")
    await person.key("Escape")

    button = await person.wait_until(
        lambda: next(iter(person.find(QToolButton, text="Favourites")), None), 5,
        "the window's Favourites… button",
    )  # fmt: skip
    await person.click(button)
    dialog, rows = await _favourites_dialog(person)
    await person.check(len(rows) == 2, f"two rows: {rows}")
    await person.check(PROD in rows[0][1] and STAGING in rows[1][1], f"what each opens: {rows}")
    # Rename the first in place: double-click its name, type over it, Enter.
    grid = dialog.findChild(QTableWidget)
    assert grid is not None
    await person.double_click(person.cell(grid, 0, 0))
    await person.key("ctrl+a")
    await person.type_text("Web in prod")
    await person.key("Return")
    await person.wait_until(lambda: person.sees("Web in prod", dialog), 5, "the new name")
    # Start the second at launch: its box, with the Space bar.
    await person.click(person.cell(grid, 1, 2))
    await person.key("space")
    await person.screenshot("renamed and set to start at launch")
    await person.click_button("Save", window=dialog)
    await person.wait_until(lambda: not person.shows(dialog), 5, "the dialog to close")

    await steps.open_tray_menu(person)
    await person.wait_until(lambda: person.menu_item("★ Web in prod"), 5, "the new name")
    await person.click_menu_item("Favourites…")
    dialog, rows = await _favourites_dialog(person)
    grid = dialog.findChild(QTableWidget)
    assert grid is not None
    started = grid.item(1, 2)
    await person.check(started is not None and started.checkState().value == 2, "auto-start kept")
    await person.click(person.cell(grid, 0, 1))
    await person.click_button("Remove", window=dialog)
    await person.wait_until(lambda: grid.rowCount() == 1, 5, "one row left")
    await person.click_button("Save", window=dialog)
    await person.wait_until(lambda: not person.shows(dialog), 5, "the dialog to close")
    await steps.open_tray_menu(person)
    left = await person.wait_until(lambda: _stars(person, 1), 5, "one favourite in the tray")
    await person.check(STAGING in left[0], f"the staging one stays: {left}")
    await person.screenshot("one favourite left")
    await person.key("Escape")


async def _add_ssh_favourite(person: Person, table: QTableView, profile: str) -> None:
    """Right-click the row of demo-web in `profile` → Add to favourites → SSH terminal."""
    column = steps.column_of(table, "Profile")
    rows = person.rows_in_view(table, column)
    await person.check(profile in rows, f"demo-web in {profile} is in view: {rows}")
    await person.right_click(person.cell(table, rows.index(profile), 0))
    await person.click_menu_item("Add to favourites")
    await person.click_menu_item("SSH terminal")
    await person.wait_until(lambda: not person.menu_item("SSH terminal"), 5, "the menu to close")


async def _favourites_dialog(person: Person) -> tuple[QDialog, list[list[str]]]:
    dialog = await person.wait_until(
        lambda: person.window(QDialog, "Favourites"), 10, "the Favourites dialog"
    )
    grid = dialog.findChild(QTableWidget)
    assert grid is not None
    return dialog, person.rows(grid)


def _stars(person: Person, count: int) -> list[str] | None:
    """The tray menu's favourite entries, once there are `count` of them."""
    found = list(dict.fromkeys(t for t in person.visible_texts() if t.startswith("★")))
    return found if len(found) == count else None
