"""Favourites as a person adds and manages them, in the composed app on the demo world.

Issue 17, item 9: adding demo-web's SSH favourite in a second profile silently replaced the
first one (both were "SSH demo-web"), and there was no way to list, rename, remove or
auto-start favourites. Real parts: the demo AWS, the window and its menus, the dialog.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMenu, QToolBar

from ssmgui.app import controller_for
from ssmgui.app.services import build_demo_services
from ssmgui.core.instance import Instance
from ssmgui.demo.desktop.files import PROD, STAGING
from ssmgui.ui.error_display import ErrorDoor
from ssmgui.ui.favourites_dialog import AUTO_START, OPENS, FavouritesDialog
from ssmgui.ui.main_surface import MainSurface
from ssmgui.ui.tray import TrayMenu
from tests.app.test_gui_demo import Gui, refreshed, until

pytestmark = pytest.mark.slow


@pytest.fixture
async def gui(tmp_path: Path) -> AsyncIterator[Gui]:
    services = await build_demo_services(lambda: None)
    assert services.demo is not None
    controller = controller_for(services)
    door = ErrorDoor(lambda: None, tmp_path / "ssmgui.log")
    controller.failed.connect(door.show_expected)
    surface = MainSurface(controller, quit_app=lambda: None)
    yield Gui(services, services.demo, controller, surface, door, tmp_path / "launched.jsonl")
    await controller.stop_all()
    await services.close()
    surface.window.close()


def web_in(gui: Gui, profile: str) -> Instance:
    return next(
        i for i in gui.controller.instances() if i.name == "demo-web" and i.profile == profile
    )


def add_to_favourites(gui: Gui, instance: Instance, entry: str) -> None:
    """Right-click menu → Add to favourites → `entry` (the menu is built, not exec'd)."""
    menu = gui.surface.window.instance_menu(instance)
    submenu = next(a.menu() for a in menu.actions() if a.text() == "Add to favourites")
    assert isinstance(submenu, QMenu)
    next(a for a in submenu.actions() if a.text() == entry).trigger()


def shown_dialog() -> FavouritesDialog:
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, FavouritesDialog)]
    visible = [w for w in shown if w.isVisible()]
    assert len(visible) == 1
    return visible[0]


def tray_entries(gui: Gui, menu: QMenu) -> dict[str, QAction]:
    TrayMenu(gui.controller, open_window=lambda: None, open_settings=lambda: None,
             quit_app=lambda: None, ask_custom_port=lambda _i: None,
             open_favourites=gui.surface.open_favourites).fill(menu)  # fmt: skip
    return {action.text(): action for action in menu.actions()}


async def test_two_profiles_favourites_stay_apart_and_can_be_managed(
    gui: Gui, tmp_path: Path
) -> None:
    await refreshed(gui, "123456")
    window = gui.surface.window
    window.show()
    for profile in (PROD, STAGING):
        add_to_favourites(gui, web_in(gui, profile), "SSH terminal")
    favourites = gui.controller.settings.favourites
    assert [f.spec.profile for f in favourites] == [PROD, STAGING]
    tray_menu = QMenu()
    stars = [text for text in tray_entries(gui, tray_menu) if text.startswith("★")]
    assert len(stars) == 2 and PROD in stars[0] and STAGING in stars[1]

    # The window's toolbar button opens the dialog, one row per favourite.
    toolbar = window.findChild(QToolBar)
    assert toolbar is not None
    button = toolbar.widgetForAction(window.favourites_action)
    assert button is not None and button.isVisible()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    await until(lambda: any(isinstance(w, FavouritesDialog) and w.isVisible()
                            for w in QApplication.topLevelWidgets()))  # fmt: skip
    dialog = shown_dialog()
    assert dialog.table.rowCount() == 2
    opens = [dialog.table.item(r, OPENS).text() for r in range(2)]  # type: ignore[union-attr]
    assert PROD in opens[0] and STAGING in opens[1]
    dialog.grab().save(str(tmp_path / "favourites-dialog.png"))
    # Staging's starts at launch; prod's goes.
    dialog.table.setCurrentCell(1, AUTO_START)
    QTest.keyClick(dialog.table, Qt.Key.Key_Space)
    dialog.table.selectRow(0)
    QTest.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    QTest.mouseClick(save, Qt.MouseButton.LeftButton)
    await asyncio.sleep(0)
    (left,) = gui.controller.settings.favourites
    assert left.spec.profile == STAGING and left.auto_start

    # The tray offers the same dialog.
    entries = tray_entries(gui, tray_menu)
    entries["Favourites…"].trigger()
    again = shown_dialog()
    assert again.table.rowCount() == 1
    again.reject()
