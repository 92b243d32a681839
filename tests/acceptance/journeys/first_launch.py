"""First launch, with and without a tray host (issue #17, journey 1)."""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint

from ssmgui.demo.desktop.world import MFA_CODE_HINT
from tests.acceptance.journeys import steps
from tests.acceptance.person import Person

TRAY_HOST_TOP_RIGHT = (1000, 40)  # trayer's area in desktop.py: x beyond, y within


async def with_tray(person: Person) -> None:
    """The icon shows in the tray host with a notification saying how to use the demo (the
    MFA hint), and the MFA dialog asks for a code; once the notification is closed, a left
    click on the icon opens the window, whose banner says it again."""
    icon = await person.wait_until(person.tray_icon, 15, "the tray icon to show")
    person.record("launch_to_tray_icon_s", person.since_launch())
    await person.check(
        icon.x() > TRAY_HOST_TOP_RIGHT[0] and icon.y() < TRAY_HOST_TOP_RIGHT[1],
        f"the icon in trayer, top right (it is at {icon.x()},{icon.y()})",
    )
    await steps.mfa_dialog(person)
    person.record("launch_to_first_window_s", person.since_launch())
    balloon = await person.wait_until(person.notification, 5, "the welcome notification")
    await person.check(person.sees(MFA_CODE_HINT, balloon), "the MFA hint in the notification")
    await person.screenshot("tray icon, notification and the MFA dialog")
    await person.check(person.main_window() is None, "no main window before the click")
    clicked = time.monotonic()
    window = await steps.open_window_from_tray(person)
    person.record("tray_click_to_window_s", round(time.monotonic() - clicked, 3))
    await person.wait_until(
        lambda: person.sees(MFA_CODE_HINT, window), 5, "the demo banner with the MFA hint"
    )
    await person.screenshot("window opened from the tray")


async def without_tray(person: Person) -> None:
    """No tray host: the window shows at start with the demo banner; after signing in,
    Alt+F4 on the window (the window manager's close) quits the app."""
    window = await person.wait_until(person.main_window, 15, "the main window to show")
    person.record("launch_to_first_window_s", person.since_launch())
    await person.check(person.tray_icon() is None, "no tray icon without a tray host")
    await person.wait_until(
        lambda: person.sees(MFA_CODE_HINT, window), 5, "the demo banner with the MFA hint"
    )
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    await person.screenshot("window at start, signed in")
    frame = window.frameGeometry()
    title_bar = frame.top() + (window.geometry().top() - frame.top()) // 2
    await person.click(QPoint(frame.center().x(), title_bar))  # activates it, as a person does
    person.expect_exit()
    await person.key("alt+F4")
    await person.wait_until(lambda: not person.shows(window), 10, "Alt+F4 to close the window")
