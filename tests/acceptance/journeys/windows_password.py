"""The instance details and "Get Windows password…" (issue #17, build bullets): a click on
demo-rdp shows its details; its context menu's entry asks for the key file once, in the
demo's folder; the password is then on the clipboard, and the window says until when."""

from __future__ import annotations

import time

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from ssmgui.demo.desktop.world import DEMO_RDP_PASSWORD
from ssmgui.demo.ec2.windows_key import DEMO_KEY_FILE_NAME, DEMO_KEY_NAME
from ssmgui.ui.instance_details import InstanceDetails
from tests.acceptance.journeys import steps
from tests.acceptance.person import Person

MENU_ENTRY = "Get Windows password…"


async def details_then_password(person: Person) -> None:
    """Select demo-rdp (details below the table), right-click → Get Windows password…,
    choose the demo's key, and find the password on the clipboard, not on the screen."""
    await steps.open_window_from_tray(person)
    await steps.sign_in(person)
    table = await steps.filter_for(person, "demo-rdp")
    row = person.cell(table, 0, steps.column_of(table, "Instance ID"))
    await person.click(row)
    instance_id = table.model().index(0, steps.column_of(table, "Instance ID")).data()
    details = await person.wait_until(
        lambda: next(iter(person.find(InstanceDetails)), None), 5, "the details panel"
    )
    await person.wait_until(
        lambda: person.sees(instance_id, details) and person.sees("Team = demo", details),
        5,
        "demo-rdp's id and tags in the details",
    )
    await person.screenshot("demo-rdp's details")

    await person.right_click(row)
    await person.wait_until(lambda: person.menu_item(MENU_ENTRY), 5, "the context menu")
    await person.screenshot("context menu")
    await person.click_menu_item(MENU_ENTRY)
    dialog = await person.wait_until(
        lambda: person.window(QFileDialog, DEMO_KEY_NAME), 15, "the key file dialog"
    )
    await person.screenshot("choose the key file")
    await person.type_text(DEMO_KEY_FILE_NAME)
    chosen = time.monotonic()
    await person.key("Return")
    clipboard = QGuiApplication.clipboard()
    await person.wait_until(
        lambda: clipboard.text() == DEMO_RDP_PASSWORD, 15, "the password on the clipboard"
    )
    person.record("key_chosen_to_password_copied_s", round(time.monotonic() - chosen, 3))
    await person.wait_until(lambda: not person.shows(dialog), 5, "the dialog to close")
    await person.wait_until(
        lambda: person.sees("copied") and person.sees("until"), 10, "the notice saying until when"
    )
    await person.check(not person.sees(DEMO_RDP_PASSWORD), "the password nowhere on screen")
    await person.screenshot("password copied")
