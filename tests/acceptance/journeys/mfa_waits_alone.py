"""One profile's MFA dialog holds up no other profile, and the window has one line of counts
(issue #17, from the acceptance screenshots)."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QListWidget, QMainWindow

from ssmgui.demo.desktop.files import DEV, PROD, STAGING
from ssmgui.demo.desktop.sso import SSO_PROFILE
from tests.acceptance.journeys import steps
from tests.acceptance.person import Person

#: A line that counts the demo's instances ("378 instances of 3 profiles in 3 regions").
FULL_COUNT = re.compile(rf"\b{steps.DEMO_INSTANCES:,} instances\b")


def waiting_lines(person: Person, window: QMainWindow) -> list[str]:
    """The visible region lines that say a profile waits for its sign-in."""
    return [
        shown.item(row).text()
        for shown in person.find(QListWidget, window=window)
        for row in range(shown.count())
        if "waiting" in shown.item(row).text()
    ]


async def listed_while_the_code_is_awaited(person: Person) -> None:
    """While demo-prod's MFA dialog is up, demo-dev (no MFA) fills the table and demo-prod's
    and demo-staging's regions say they wait for the sign-in (as demo-sso-sandbox's waits for
    its IAM Identity Center sign-in); the code then lists all 378, the MFA profiles' waiting
    lines go, and one line (not two) counts them."""
    window = await steps.open_window_from_tray(person)
    dialog = await steps.mfa_dialog(person)
    table = await person.wait_until(lambda: steps.instances_table(person), 10, "the table")
    profile = steps.column_of(table, "Profile")

    def only_dev_rows() -> list[str] | None:
        shown = person.rows_in_view(table, profile)
        return shown if shown and set(shown) == {DEV} else None

    await person.wait_until(only_dev_rows, 15, f"{DEV}'s rows while the MFA dialog is up")
    person.record("launch_to_first_rows_s", round(person.since_launch(), 3))
    await person.check(person.shows(dialog), "the MFA dialog is still up, its code not typed")
    lines = await person.wait_until(
        lambda: waiting_lines(person, window), 5, "the regions waiting for the sign-in"
    )
    await person.check(
        [line.split(" / ")[0] for line in lines] == [PROD, SSO_PROFILE, STAGING],
        f"{PROD} and {STAGING} (the same MFA device) and {SSO_PROFILE} wait, each on one"
        f" line: {lines}",
    )
    await person.check(person.sees("3 profiles waiting for sign-in", window), "the summary says so")
    await person.screenshot("demo-dev listed while the MFA code is awaited")

    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    await person.wait_until(
        lambda: [line.split(" / ")[0] for line in waiting_lines(person, window)] == [SSO_PROFILE],
        10,
        "the MFA profiles' waiting lines to go",
    )
    await person.wait_until(
        lambda: person.sees(
            f"{steps.DEMO_INSTANCES:,} instances of 3 profiles in 3 regions", window
        ),
        10,
        "the summary to count every instance",
    )
    await person.wait_until(
        lambda: not window.statusBar().currentMessage(), 10, "the refresh to finish"
    )
    counts = [text for text in person.visible_texts(window) if FULL_COUNT.search(text)]
    await person.check(len(counts) == 1, f"one line counts the instances, not {counts}")
    await person.screenshot("signed in, every instance listed, one line of counts")
