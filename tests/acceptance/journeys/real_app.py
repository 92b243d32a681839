"""The real app (`ssmgui`, not `--demo`) on a computer of its own (issue #17: "no AWS
config" and "keyring unavailable"; bugs 5 and 6).

No AWS config: with no ~/.aws the window used to say "Looking for instances…" forever. Now
it names the files it read and the next steps; once a profile's files exist (pointing at a
fake AWS in its own process, real_world.py), a click on Refresh lists its instances.

Keyring unavailable: on a desktop whose keyring was never created, gnome-keyring asks for
a new keyring's password; the person dismisses it. That prompt used to come back 13 times
and freeze the window. Now it shows once, the window says once that MFA sessions are kept
in memory only, and the app goes on: the profile without MFA is listed, the other asks
for its code (cancelled here: the fake has no STS).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from PySide6.QtWidgets import QLabel, QMessageBox, QTableView

from ssmgui.ui.first_run import FirstRunPanel
from ssmgui.ui.instance_model import InstanceColumn
from tests.acceptance import real_world
from tests.acceptance.journeys import steps
from tests.acceptance.person import Person

MEMORY_ONLY = "MFA sessions are kept in memory only"


async def no_aws_config(person: Person) -> None:
    """No ~/.aws: the help names the files and the next steps, not "Looking for…"; a
    profile written and Refresh clicked: its instances are listed and the help is gone."""
    window = await steps.open_window_from_tray(person)
    panel = await person.wait_until(lambda: _first_run(person), 15, "the first-run help")
    text = " ".join(person.visible_texts(panel))
    aws = Path.home() / ".aws"
    for part in (
        "No AWS profiles found",
        f"{aws / 'config'} (not found)",
        f"{aws / 'credentials'} (not found)",
        "aws configure sso",
        "ssmgui --demo",
    ):
        await person.check(part in text, f"the help to say {part!r}")
    await person.check(not person.sees("Looking for instances"), "no 'Looking for instances'")
    await person.check(steps.instances_table(person) is None, "no empty table beside the help")
    await person.screenshot("no AWS config: what to do")

    real_world.write_profile()  # as `aws configure` would, for a profile on the fake AWS
    await person.click_button("Refresh", window=panel)
    clicked = time.monotonic()
    table = await person.wait_until(lambda: _fleet_listed(person), 20, "the profile's instances")
    person.record("refresh_to_list_s", round(time.monotonic() - clicked, 3))
    await person.check(not person.shows(panel), "the first-run help to be gone")
    names = set(person.rows_in_view(table, InstanceColumn.NAME))
    await person.check(
        names == real_world.fake_instance_names(), f"the fake's instances by name, not {names}"
    )
    await person.check(person.sees(real_world.PROFILE, window), "the profile named in the window")
    # The person reads one instance's details once the refresh is over — by then the labels'
    # account alias was asked for (it is after a refresh): an IAM answer botocore could not
    # read came up as "ssmgui hit a bug".
    await person.wait_until(
        lambda: not person.sees("Refreshing instances"), 15, "the refresh to end"
    )
    await person.click(person.cell(table, 0, InstanceColumn.NAME))
    await person.wait_until(lambda: person.sees("Account:", window), 5, "the instance's details")
    await person.screenshot("profile added: instances listed")
    await person.check(person.window(QMessageBox) is None, "no error or bug dialog")
    await person.check(not person.sees(MEMORY_ONLY), "no keyring notice: this keyring works")


async def keyring_refuses(person: Person) -> None:
    """The keyring's prompt once; dismissed: one notice, the app goes on without it."""
    await steps.open_window_from_tray(person)
    await person.wait_for(real_world.keyring_prompts, 20, "the keyring's prompt")
    await person.screenshot("the keyring asks for a new keyring's password")
    stall = await _longest_stall(1.0)  # this journey runs on the app's own loop
    person.record("loop_stall_while_keyring_prompt_s", round(stall, 3))
    await person.check(stall < 0.5, f"the window to answer while the prompt is up: {stall} s")
    # Escape is the prompt's Cancel (it has the focus: the cursor blinks in its field);
    # xdotool's geometry of a framed window is off by the frame, so no click on Cancel.
    await person.key("Escape")
    await person.wait_for(_no_prompt, 10, "the keyring's prompt to close")
    notice = await person.wait_until(
        lambda: _memory_only_notices(person), 15, "the window to say sessions stay in memory"
    )
    await person.check(len(notice) == 1, f"one notice, not {len(notice)}")
    dialog = await steps.mfa_dialog(person)  # the MFA profile: asked now, kept in memory
    await person.check(real_world.MFA_PROFILE in " ".join(person.visible_texts(dialog)),
                       "the MFA dialog to name the profile")  # fmt: skip
    await person.screenshot("keyring refused: notice, and the MFA dialog")
    await person.click_button("Cancel", window=dialog)  # no code at hand: later
    await person.wait_until(lambda: not person.shows(dialog), 10, "the MFA dialog to close")
    await person.wait_until(lambda: _fleet_listed(person), 20, "the other profile's instances")
    await person.check(not await real_world.keyring_prompts(), "no second keyring prompt")
    await person.check(len(_memory_only_notices(person)) == 1, "the notice, still once")
    await person.check(person.window(QMessageBox) is None, "no error or bug dialog")
    await person.screenshot("the app goes on: listed, one notice")

    # Refresh (F5): the MFA profile asks for its code again; the keyring is not asked again.
    await person.click(await person.wait_until(lambda: steps.filter_field(person), 5, "the filter"))
    await person.key("F5")
    again = await steps.mfa_dialog(person)
    await person.click_button("Cancel", window=again)
    await person.wait_until(lambda: not person.shows(again), 10, "the MFA dialog to close")
    await person.wait_until(
        lambda: not person.sees("Refreshing instances"), 15, "the refresh to end"
    )
    await person.check(not await real_world.keyring_prompts(), "no keyring prompt on refresh")
    await person.check(len(_memory_only_notices(person)) == 1, "the notice, once after refresh")


def _first_run(person: Person) -> FirstRunPanel | None:
    return next(iter(person.find(FirstRunPanel)), None)


def _fleet_listed(person: Person) -> QTableView | None:
    """The instances table once it lists every instance of the fake AWS."""
    table = steps.instances_table(person)
    expected = len(real_world.fake_instance_names())
    return table if table is not None and table.model().rowCount() >= expected else None


def _memory_only_notices(person: Person) -> list[QLabel]:
    """The labels in the window that say so (the tray's balloon is another window)."""
    window = person.main_window()
    return [] if window is None else person.find(QLabel, text=MEMORY_ONLY, window=window)


async def _no_prompt() -> bool:
    return not await real_world.keyring_prompts()


async def _longest_stall(seconds: float) -> float:
    """The longest the app's loop went without running a 20 ms timer, over `seconds`
    (the keyring prompt used to freeze the window while it was up)."""
    worst, end = 0.0, time.monotonic() + seconds
    while time.monotonic() < end:
        before = time.monotonic()
        await asyncio.sleep(0.02)
        worst = max(worst, time.monotonic() - before)
    return worst
