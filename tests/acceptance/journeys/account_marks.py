"""Which account am I in (issue #17): demo-prod's rows carry a red stripe; with "Ask before
connecting" ticked in Settings → Colours, a double-click on demo-prod's demo-web asks first,
naming the profile and its account; Cancel opens nothing, Connect opens a tunnel whose
title names the profile and the account (its alias)."""

from __future__ import annotations

import asyncio
import time

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QMessageBox, QTableView, QTabWidget

from ssmgui.core.profile_marks import PRODUCTION_COLOUR
from ssmgui.demo.desktop.world import DEMO_PROD_ALIAS
from ssmgui.ui.settings_choices import CONFIRM_TEXT
from tests.acceptance.journeys import steps
from tests.acceptance.person import Person

PROFILE = "demo-prod"
INSTANCE = "demo-web"


async def confirm_before_production(person: Person) -> None:
    await steps.open_window_from_tray(person)
    person.record("mfa_to_full_list_s", await steps.sign_in(person))
    await _tick_the_question(person)
    table = await steps.filter_for(person, INSTANCE)
    cell = await person.wait_until(
        lambda: _name_cell(person, table), 5, f"{PROFILE}'s {INSTANCE} in the table"
    )
    await person.check(_stripe(table, cell) == QColor(PRODUCTION_COLOUR), "a red stripe")
    await person.screenshot("demo-prod's row carries a red stripe")

    await person.double_click(cell)
    question = await _question(person)
    expected = f"{PROFILE} (account {DEMO_PROD_ALIAS})"
    await person.check(expected in question.text(), f"the question to name {expected}")
    await person.screenshot("asked before connecting to demo-prod")
    await person.click_button("Cancel", window=question)
    await person.wait_until(lambda: not person.shows(question), 5, "the question to close")
    await asyncio.sleep(0.5)  # a tunnel would be listed by now (they start in ~0.2 s)
    await person.check(_tunnels_tab(person) == "Tunnels", "no tunnel after Cancel")

    await person.double_click(cell)
    clicked = time.monotonic()
    question = await _question(person)
    await person.click_button("Connect", window=question)
    await person.wait_until(
        lambda: _tunnels_tab(person) == "Tunnels (1)", 15, "one tunnel in the Tunnels tab"
    )
    person.record("connect_to_tunnel_listed_s", round(time.monotonic() - clicked, 3))
    await person.click_tab("Tunnels")
    title = f"{INSTANCE} — {PROFILE} ({DEMO_PROD_ALIAS})"
    await person.wait_until(
        lambda: any(title in text for row in _tunnel_rows(person) for text in row),
        5, f"a tunnel titled {title!r}",
    )  # fmt: skip
    await person.screenshot("the tunnel names its profile and account")


async def _tick_the_question(person: Person) -> None:
    dialog = await steps.open_settings_from_tray(person)
    await person.click_tab("Colours", window=dialog)
    box = await person.wait_until(
        lambda: next(iter(person.find(QCheckBox, text=CONFIRM_TEXT, window=dialog)), None),
        5, "the 'ask before connecting' box",
    )  # fmt: skip
    await person.click(box)
    await person.wait_until(box.isChecked, 5, "the box to be ticked")
    await person.screenshot("colours, and the question ticked")
    await person.click_button("OK", window=dialog)
    await person.wait_until(lambda: not person.shows(dialog), 5, "the Settings dialog to close")


async def _question(person: Person) -> QMessageBox:
    return await person.wait_until(
        lambda: person.window(QMessageBox, f"Connect to {PROFILE}"), 10, "the question"
    )


def _name_cell(person: Person, table: QTableView) -> QPoint | None:
    profile = steps.column_of(table, "Profile")
    name = steps.column_of(table, "Name")
    for offset, row in enumerate(person.rows(table)):
        if row[profile] == PROFILE and row[name] == INSTANCE:
            return person.cell(table, table.rowAt(0) + offset, name)
    return None


def _stripe(table: QTableView, cell: QPoint) -> QColor:
    """The colour a person sees at the left edge of the cell at `cell` (screen position)."""
    viewport = table.viewport()
    inside = viewport.mapFromGlobal(cell)
    left = table.visualRect(table.indexAt(inside)).x()
    return viewport.grab().toImage().pixelColor(left + 1, inside.y())


def _tunnels_tab(person: Person) -> str:
    window = person.main_window()
    tabs = next(iter(person.find(QTabWidget, window=window)), None) if window else None
    return tabs.tabText(1) if tabs is not None else ""


def _tunnel_rows(person: Person) -> list[list[str]]:
    window = person.main_window()
    tables = person.find(QTableView, window=window) if window is not None else []
    return [row for table in tables for row in person.rows(table)]
