"""Steps many journeys share: signing in, opening the window or Settings from the tray,
filtering, finding a row. Each acts only through the Person (input events) and waits for
what a person would see before going on."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QWidget,
)

from ssmgui.ui.mfa_dialog import MfaDialog
from tests.acceptance.person import JourneyError, Person

#: Every instance of the demo world (3 profiles × 3 regions × 40, and 18 featured ones).
DEMO_INSTANCES = 378
GOOD_CODE = "123456"
WRONG_CODE = "000000"  # the demo STS refuses it as AWS refuses a wrong code


async def mfa_dialog(person: Person, timeout: float = 20) -> MfaDialog:
    return await person.wait_until(
        lambda: person.window(MfaDialog), timeout, "the MFA dialog to show"
    )


async def type_mfa_code(person: Person, code: str) -> MfaDialog:
    """Click into the visible MFA dialog's code field, type `code` and press Enter."""
    dialog = await mfa_dialog(person)
    field = await person.wait_until(
        lambda: next(iter(person.find(QLineEdit, window=dialog)), None), 5, "the code field"
    )
    await person.click(field)
    await person.wait_until(field.hasFocus, 5, "the code field to take the focus")
    await person.type_text(code)
    await person.wait_until(lambda: field.text() == code, 5, f"the field to read {code}")
    await person.key("Return")
    return dialog


async def sign_in(person: Person) -> float:
    """Answer the MFA dialog with a good code; seconds from Enter to the full list shown
    (the main window must be open)."""
    dialog = await type_mfa_code(person, GOOD_CODE)
    entered = time.monotonic()
    await person.wait_until(lambda: not person.shows(dialog), 10, "the MFA dialog to close")
    await full_list(person)
    return round(time.monotonic() - entered, 3)


def instances_table(person: Person) -> QTableView | None:
    """The visible instances table (the main window's first tab)."""
    window = person.main_window()
    if window is None:
        return None
    return next((t for t in person.find(QTableView, window=window) if t.model()), None)


async def full_list(person: Person, timeout: float = 30) -> QTableView:
    """Wait until the instances table shows every demo instance."""

    def listed() -> QTableView | None:
        table = instances_table(person)
        return table if table is not None and table.model().rowCount() >= DEMO_INSTANCES else None

    return await person.wait_until(listed, timeout, f"{DEMO_INSTANCES} instances listed")


async def close_notification(person: Person) -> None:
    """Close the tray's notification balloon, if one shows, with its close button.

    A click on the tray icon while a balloon shows counts as a click on the balloon too
    (Qt emits messageClicked), which also opens the window: closed first, a click on the
    icon tests the icon alone."""
    balloon = person.notification()
    if balloon is None:
        return
    close = next(iter(person.find(QAbstractButton, window=balloon)), None)
    if close is None:
        raise JourneyError("the notification has no close button")
    await person.click(close)
    await person.wait_until(lambda: not person.shows(balloon), 5, "the notification to close")


async def open_window_from_tray(person: Person) -> QMainWindow:
    """Left-click the tray icon (no notification showing); the main window shows."""
    icon = await person.wait_until(person.tray_icon, 15, "the tray icon to show")
    await close_notification(person)
    await person.click(icon.center())
    return await person.wait_until(person.main_window, 10, "the main window to open")


async def open_tray_menu(person: Person) -> None:
    icon = await person.wait_until(person.tray_icon, 15, "the tray icon to show")
    await person.right_click(icon.center())
    await person.wait_until(lambda: person.menu_item("Quit"), 10, "the tray menu to open")


async def open_settings_from_tray(person: Person) -> QDialog:
    await open_tray_menu(person)
    await person.click_menu_item("Settings")
    return await person.wait_until(
        lambda: person.window(QDialog, "settings"), 10, "the Settings dialog"
    )


def field_labelled(person: Person, window: QWidget, label: str) -> QLineEdit | None:
    """The visible line edit a form labels `label` (QFormLayout makes it the buddy)."""
    for shown in person.find(QLabel, text=label, window=window):
        buddy = shown.buddy()
        if isinstance(buddy, QLineEdit) and buddy.isVisible():
            return buddy
    return None


async def set_setting(person: Person, tab: str, label: str, value: str) -> None:
    """Through the tray's Settings dialog: tab `tab`, the field `label`, typed; then OK."""
    dialog = await open_settings_from_tray(person)
    await person.click_tab(tab, window=dialog)
    field = await person.wait_until(
        lambda: field_labelled(person, dialog, label), 5, f"the field {label!r}"
    )
    await person.replace_text(field, value)
    await person.screenshot(f"settings {label}")
    await person.click_button("OK", window=dialog)
    await person.wait_until(lambda: not person.shows(dialog), 5, "the Settings dialog to close")


def filter_field(person: Person) -> QLineEdit | None:
    window = person.main_window()
    if window is None:
        return None
    fields = person.find(QLineEdit, window=window)
    return next((f for f in fields if f.placeholderText().startswith("Filter")), None)


async def filter_for(person: Person, text: str) -> QTableView:
    """Type `text` into the filter; the table shown once it has narrowed."""
    table = await full_list(person)
    field = await person.wait_until(lambda: filter_field(person), 5, "the filter field")
    await person.replace_text(field, text)
    await person.wait_until(
        lambda: table.model().rowCount() < DEMO_INSTANCES, 5, f"the rows to narrow to {text!r}"
    )
    return table


def column_of(table: QTableView, title: str) -> int:
    model = table.model()
    for column in range(model.columnCount()):
        if model.headerData(column, Qt.Orientation.Horizontal) == title:
            return column
    raise JourneyError(f"the table has no column {title!r}")
