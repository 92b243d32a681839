"""MFA with a wrong code, then the right one (issue #17, journey 2)."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel

from ssmgui.ui.mfa_dialog import MfaDialog
from tests.acceptance.journeys import steps
from tests.acceptance.person import Person


async def wrong_then_right_code(person: Person) -> None:
    """000000 is refused: the MFA dialog is shown again with a visible reason, and
    demo-prod's instances are not listed; the right code then lists all of them."""
    await steps.open_window_from_tray(person)
    await steps.type_mfa_code(person, steps.WRONG_CODE)
    await person.screenshot("wrong code typed")

    def refused() -> MfaDialog | None:
        dialog = person.window(MfaDialog)
        shown = dialog is not None and any(
            label.text() and label.styleSheet() for label in person.find(QLabel, window=dialog)
        )
        return dialog if shown else None

    dialog = await person.wait_until(refused, 15, "the MFA dialog to show why the code failed")
    problem = [label.text() for label in person.find(QLabel, window=dialog) if label.styleSheet()]
    person.record("wrong_code_message", problem[0])
    await person.screenshot("wrong code refused")
    table = steps.instances_table(person)
    await person.check(
        table is not None and table.model().rowCount() < steps.DEMO_INSTANCES,
        "no full list after a wrong code",
    )
    entered = time.monotonic()
    await steps.type_mfa_code(person, steps.GOOD_CODE)
    await steps.full_list(person)
    person.record("mfa_to_full_list_s", round(time.monotonic() - entered, 3))
    await person.wait_until(lambda: person.window(MfaDialog) is None, 10, "no MFA dialog")
    await person.wait_until(
        lambda: person.sees(f"{steps.DEMO_INSTANCES} instances"), 10, "the status bar count"
    )
    await person.screenshot("signed in, every instance listed")
