"""Which account am I in, as a person sees it in the composed app on the demo world.

demo-prod's name looks like production, so its rows carry a red stripe and its tunnels and
favourites name the profile and account; with the confirmation on, every way of connecting
to it asks first, and Cancel opens nothing. The regions are ticked in a checklist.
Real parts: the demo AWS on loopback, the inventory, native tunnels, the real window.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMenu, QMessageBox

from ssmgui.core.instance import Instance
from ssmgui.core.profile_marks import PRODUCTION_COLOUR
from ssmgui.core.settings import Favourite
from ssmgui.core.tunnel import TunnelKind, TunnelState, spec_for
from ssmgui.demo.desktop.files import DEV, PROD, STAGING
from ssmgui.demo.desktop.sso import SSO_PROFILE
from ssmgui.demo.desktop.world import DEMO_PROD_ALIAS
from ssmgui.ui.controller import Notice
from ssmgui.ui.instance_model import InstanceColumn
from ssmgui.ui.settings_choices import OWN_REGIONS_TEXT
from ssmgui.ui.settings_dialog import SettingsDialog
from ssmgui.ui.tray import TrayMenu
from tests.app.test_gui_demo import Gui, demo_gui, refreshed, until

pytestmark = pytest.mark.slow
RED = QColor(PRODUCTION_COLOUR)


@pytest.fixture
async def gui(tmp_path: Path) -> AsyncIterator[Gui]:
    async with demo_gui(tmp_path) as composed:
        yield composed


def _shown_row(gui: Gui, profile: str, name: str = "") -> int:
    """Filter the table as a person would and give the row of the first match."""
    window = gui.surface.window
    window.filter_edit.clear()
    QTest.keyClicks(window.filter_edit, name)
    model = window.model
    return next(
        row for row in range(model.rowCount())
        if model.instance_at(row).profile == profile and model.instance_at(row).online
    )  # fmt: skip


def _pixel_at_row_start(gui: Gui, row: int) -> QColor:
    table = gui.surface.window.table
    table.scrollTo(table.model().index(row, 0))
    rect = table.visualRect(table.model().index(row, InstanceColumn.NAME))
    image = table.viewport().grab().toImage()
    return image.pixelColor(rect.x() + 1, rect.center().y())


def _question() -> QMessageBox | None:
    """The question before connecting, while it shows (other boxes, e.g. an earlier test's
    error message still open, are not it)."""
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    asking = (box for box in shown if box.windowTitle().startswith("Connect to "))
    return next((box for box in asking if box.isVisible()), None)


async def _answer(choice: str) -> str:
    """Wait for the question, click `choice` on it, and give the question's text."""
    async with asyncio.timeout(10):
        while (box := _question()) is None:
            await asyncio.sleep(0.02)
    button = next(b for b in box.buttons() if b.text().replace("&", "") == choice)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    return box.text()


async def _double_click(gui: Gui, row: int) -> None:
    await asyncio.sleep(0.2)  # let the shown window lay out its rows
    table = gui.surface.window.table
    centre = table.visualRect(table.model().index(row, InstanceColumn.NAME)).center()
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)


async def _window_with_instances(gui: Gui) -> None:
    await refreshed(gui, "123456")
    await until(lambda: gui.controller.account_name(PROD) == DEMO_PROD_ALIAS)
    gui.surface.open_window()
    gui.surface.window.tabs.setCurrentIndex(0)


async def test_production_rows_carry_a_red_stripe_and_the_others_none(gui: Gui) -> None:
    await _window_with_instances(gui)
    assert _pixel_at_row_start(gui, _shown_row(gui, PROD)) == RED
    assert _pixel_at_row_start(gui, _shown_row(gui, DEV)) != RED
    # Unmarked in the settings dialog, as a person does it: the stripe goes at once.
    _choose_colour_in_settings(gui, PROD, "No colour")
    assert _pixel_at_row_start(gui, _shown_row(gui, PROD)) != RED


def _choose_colour_in_settings(gui: Gui, profile: str, colour: str) -> None:
    gui.surface.open_settings()
    dialog = _shown_settings()
    dialog.tabs.setCurrentWidget(dialog.marks)
    combo = dialog.marks.combos[profile]
    combo.setFocus()
    while combo.currentText() != colour:  # the keyboard, as a person picks from a list
        QTest.keyClick(combo, Qt.Key.Key_Up if combo.currentIndex() else Qt.Key.Key_Down)
        assert combo.currentIndex() >= 0
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    assert not dialog.isVisible()


def _shown_settings() -> SettingsDialog:
    return next(
        w for w in QApplication.topLevelWidgets()
        if isinstance(w, SettingsDialog) and w.isVisible()
    )  # fmt: skip


async def test_a_double_click_on_a_marked_profile_asks_and_cancel_opens_nothing(gui: Gui) -> None:
    notices: list[Notice] = []
    gui.controller.notify.connect(notices.append)
    await _window_with_instances(gui)
    gui.surface.save_settings(dataclasses.replace(gui.controller.settings, confirm_marked=True))
    row = _shown_row(gui, PROD, "demo-web")
    assert gui.surface.window.model.instance_at(row).name == "demo-web"
    account = DEMO_PROD_ALIAS  # the account's alias, from iam:ListAccountAliases

    await _double_click(gui, row)
    text = await _answer("Cancel")
    assert text == f"You are about to connect to {PROD} (account {account}): demo-web."
    await asyncio.sleep(0.3)
    assert gui.controller.tunnels == {}

    await _double_click(gui, row)
    await _answer("Connect")
    await until(lambda: any(t.state is TunnelState.READY for t in gui.controller.tunnels.values()))
    (tunnel,) = gui.controller.tunnels.values()
    tunnels = gui.surface.window.tunnels.model
    title = tunnels.index(0, 1).data()
    assert f"{PROD} ({account})" in title and "demo-web" in title
    assert tunnels.index(0, 1).data(Qt.ItemDataRole.BackgroundRole).rgb() == RED.rgb()
    assert any(f"{PROD} ({account})" in notice.title for notice in notices)
    await gui.controller.stop_tunnel(tunnel.tunnel_id)


async def test_a_dev_profile_connects_without_a_question(gui: Gui) -> None:
    await _window_with_instances(gui)
    gui.surface.save_settings(dataclasses.replace(gui.controller.settings, confirm_marked=True))
    dev = _online(gui, DEV)
    gui.controller.spawn(gui.controller.open_tunnel(dev, TunnelKind.HTTP))
    await until(lambda: any(t.state is TunnelState.READY for t in gui.controller.tunnels.values()))
    assert _question() is None


def _online(gui: Gui, profile: str) -> Instance:
    return next(
        i for i in gui.controller.instances()
        if i.profile == profile and i.online and i.supports_port_forwarding
    )  # fmt: skip


async def test_the_tray_and_a_favourite_ask_too_and_say_the_account(gui: Gui) -> None:
    await _window_with_instances(gui)
    web = next(i for i in gui.controller.instances() if i.name == "demo-web" and i.profile == PROD)
    spec = spec_for(web.profile, web.region, web.instance_id, TunnelKind.HTTP)
    settings = dataclasses.replace(
        gui.controller.settings, confirm_marked=True, favourites=(Favourite("Web", spec),)
    )
    gui.surface.save_settings(settings)
    menu = QMenu()
    TrayMenu(gui.controller, open_window=lambda: None, open_settings=lambda: None,
             quit_app=lambda: None, ask_custom_port=lambda _i: None,
             marks=gui.surface.marks).fill(menu)  # fmt: skip
    entries = {action.text(): action for action in menu.actions()}
    label = f"★ Web — {PROD} ({DEMO_PROD_ALIAS})"
    assert label in entries and not entries[label].icon().isNull()
    profile_entry = entries[f"{PROD} ({DEMO_PROD_ALIAS})"]
    assert not profile_entry.icon().isNull()  # the swatch
    assert entries[f"{DEV} ({_online(gui, DEV).account})"].icon().isNull()

    entries[label].trigger()
    await _answer("Cancel")
    await asyncio.sleep(0.3)
    assert gui.controller.tunnels == {}
    entries[label].trigger()
    await _answer("Connect")
    await until(lambda: any(t.state is TunnelState.READY for t in gui.controller.tunnels.values()))
    (tunnel,) = gui.controller.tunnels.values()
    assert tunnel.spec.title == label.removeprefix("★ ")


async def test_regions_are_ticked_in_a_checklist_of_the_partition(gui: Gui) -> None:
    await _window_with_instances(gui)
    before = {region for _profile, region in gui.controller.pairs()}
    assert len(before) == 3
    gui.surface.open_settings()
    dialog = _shown_settings()
    regions = dialog.region_list
    assert regions.item(0).text() == OWN_REGIONS_TEXT
    assert regions.count() > 30 and regions.item_for("ap-southeast-2") is not None
    # Untick "each profile's own region", tick ap-southeast-2: with the keyboard (Space).
    for region in (None, "ap-southeast-2"):
        item = regions.item(0) if region is None else regions.item_for(region)
        assert item is not None
        regions.setCurrentItem(item)
        QTest.keyClick(regions, Qt.Key.Key_Space)
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert gui.controller.settings.regions == ("ap-southeast-2",)
    assert {region for _profile, region in gui.controller.pairs()} == {"ap-southeast-2"}
    await until(lambda: gui.surface.window.model.total() == 0)


async def test_an_alias_names_the_account_once_asked_and_a_refusal_shows_the_id(
    gui: Gui,
) -> None:
    await _window_with_instances(gui)
    staging = _online(gui, STAGING)
    assert gui.controller.account_name(STAGING) == staging.account  # refused: the id
    assert gui.controller.account_name(DEV) == _online(gui, DEV).account  # no alias: the id
    listed = [r for r in gui.controller.regions.values() if r.profile != SSO_PROFILE]
    assert all(result.error is None for result in listed)  # (SSO waits for its sign-in)
    await gui.controller.refresh()
    await asyncio.sleep(0.2)
    assert gui.demo.sts.calls["ListAccountAliases"] == 3  # once per profile per run
