"""The custom-port dialogs and Ctrl+F, as a person uses them (issue #17 items 3 and 11).

"Connect to another port…" once had a hidden host field with the focus: "9000" typed at
once went there and made a tunnel to host "9000". Ctrl+F did not reach the filter.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableView,
)

from ssmgui.ui.mfa_dialog import MfaDialog
from tests.acceptance.journeys import steps
from tests.acceptance.person import Person

FEATURED = "demo-web"
OTHER = "demo-rdp"


async def custom_port_dialogs(person: Person) -> None:
    """Right-click demo-web → "Connect to another port…": the keys typed at once land in
    the visible Remote port field and nothing hidden sits in the dialog. "Reach a host
    behind this instance…": the Host field comes first, and a port typed there is refused
    with a visible reason and a disabled OK."""
    await steps.open_window_from_tray(person)
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    table = await steps.filter_for(person, FEATURED)

    dialog = await _open_from_menu(person, table, "Connect to another port", "Connect to a port")
    edits = dialog.findChildren(QLineEdit)
    hidden = [edit.placeholderText() for edit in edits if not edit.isVisible()]
    await person.check(not hidden, f"no hidden field in the dialog: {hidden}")
    remote = await person.wait_until(
        lambda: steps.field_labelled(person, dialog, "Remote port"), 5, "the Remote port field"
    )
    await person.wait_until(remote.hasFocus, 5, "the Remote port field to have the focus")
    await person.type_text("9000")
    await person.wait_until(lambda: remote.text() == "9000", 5, "9000 in the Remote port")
    await person.screenshot("custom port typed at once")
    await person.key("Escape")
    await person.wait_until(lambda: not person.shows(dialog), 5, "the dialog to close")

    dialog = await _open_from_menu(person, table, "Reach a host behind", "Reach a host")
    host = await person.wait_until(
        lambda: steps.field_labelled(person, dialog, "Host"), 5, "the Host field"
    )
    await person.wait_until(host.hasFocus, 5, "the Host field to have the focus")
    await person.type_text("9000")
    await person.key("Tab")
    await person.type_text("5432")
    problem = await person.wait_until(
        lambda: next(iter(person.find(QLabel, text="is not a host name", window=dialog)), None),
        5,
        "the dialog to say 9000 is not a host",
    )
    await person.check("'9000'" in problem.text(), f"the reason names 9000: {problem.text()}")
    ok = next(iter(person.find(QPushButton, text="OK", window=dialog)), None)
    await person.check(ok is not None and not ok.isEnabled(), "OK to be disabled")
    await person.screenshot("host 9000 refused")
    await person.key("Escape")
    await person.wait_until(lambda: not person.shows(dialog), 5, "the dialog to close")


async def _open_from_menu(person: Person, table: QTableView, item: str, title: str) -> QDialog:
    await person.right_click(person.cell(table, 0, 0))
    await person.wait_until(lambda: person.menu_item(item), 5, f"the menu item {item!r}")
    await person.click_menu_item(item)
    return await person.wait_until(
        lambda: person.window(QDialog, title), 5, f"the dialog {title!r}"
    )


async def ctrl_f_to_the_filter(person: Person) -> None:
    """With the keyboard in the table, Ctrl+F puts it in the filter with its text selected:
    what is typed next replaces the filter."""
    await steps.open_window_from_tray(person)
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    table = await steps.filter_for(person, "web")
    field = steps.filter_field(person)
    await person.check(field is not None, "the filter field shows")
    assert field is not None
    await person.click(person.cell(table, 0, 0))
    await person.wait_until(table.hasFocus, 5, "the table to have the focus")
    await person.key("ctrl+f")
    await person.wait_until(field.hasFocus, 5, "Ctrl+F to put the focus in the filter")
    await person.type_text(OTHER)
    await person.wait_until(
        lambda: field.text() == OTHER, 5, f"the filter to read {OTHER} (web replaced)"
    )
    await person.wait_until(
        lambda: 0 < table.model().rowCount() < steps.DEMO_INSTANCES, 5, "the rows to narrow"
    )
    await person.screenshot("ctrl+f then typed")


async def cancel_mfa_once(person: Person) -> None:
    """Cancel in the MFA dialog: no second prompt for the other profile on the same device
    (demo-staging signs in through demo-prod's code); their regions say it was cancelled
    and why, demo-dev's list. Refresh asks again, and the right code lists everything."""
    window = await steps.open_window_from_tray(person)
    dialog = await steps.mfa_dialog(person)
    await person.click_button("Cancel", window=dialog)
    await person.wait_until(lambda: not person.shows(dialog), 5, "the MFA dialog to close")
    await person.wait_until(
        lambda: person.sees("6 could not be read", window), 20, "the refresh to end"
    )
    await person.check(person.window(MfaDialog) is None, "no second MFA prompt")
    problems = [
        lines.item(row).text()
        for lines in person.find(QListWidget, window=window)
        for row in range(lines.count())
    ]
    # Both profiles wait for the same device at once: whichever was asked first says it was
    # cancelled, the other that it went with that prompt (the same MFA device).
    said = {
        profile: [line for line in problems if line.startswith(f"{profile} / ")]
        for profile in ("demo-prod", "demo-staging")
    }
    why = [
        line
        for lines in said.values()
        for line in lines
        if "was cancelled with the prompt for" in line and "same MFA device" in line
    ]
    await person.check(
        all(len(lines) == 1 and "was cancelled" in lines[0] for lines in said.values())
        and len(why) == 1,
        f"each profile's regions to say its sign-in was cancelled, one of them why: {problems}",
    )
    await person.screenshot("one cancel, no second prompt")
    await person.click_button("Refresh", window=window)
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    await person.screenshot("refreshed and signed in")
