"""Settings keeps offering every profile once some are chosen (a colleague's report).

Once specific profiles were ticked in Settings, the dialog listed only those: the others
could be neither ticked again nor coloured. Real parts: the demo world's AWS files, the
composed controller and surface, the real dialog driven by keys.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ssmgui.app import controller_for
from ssmgui.app.services import build_demo_services
from ssmgui.demo.desktop.files import DEV, PROD, STAGING
from ssmgui.demo.desktop.sso import SSO_PROFILE
from ssmgui.ui.controller import AppController
from ssmgui.ui.main_surface import MainSurface
from ssmgui.ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.slow


@pytest.fixture
async def app() -> AsyncIterator[tuple[AppController, MainSurface]]:
    services = await build_demo_services(lambda: None)
    controller = controller_for(services)
    shown = MainSurface(controller, quit_app=lambda: None)
    yield controller, shown
    await services.close()
    shown.window.close()


def _shown_settings() -> SettingsDialog:
    return next(
        w for w in QApplication.topLevelWidgets()
        if isinstance(w, SettingsDialog) and w.isVisible()
    )  # fmt: skip


def _listed(dialog: SettingsDialog) -> dict[str, bool]:
    items = [dialog.profile_list.item(row) for row in range(dialog.profile_list.count())]
    return {item.text(): item.checkState() == Qt.CheckState.Checked for item in items}


async def test_the_profiles_not_chosen_can_be_ticked_again_and_coloured(
    app: tuple[AppController, MainSurface],
) -> None:
    controller, surface = app
    surface.save_settings(dataclasses.replace(controller.settings, profiles=(DEV,)))
    assert controller.profile_names() == [DEV]  # only the chosen are listed…

    surface.open_settings()
    dialog = _shown_settings()
    offered = {DEV: True, PROD: False, STAGING: False, SSO_PROFILE: False}
    assert _listed(dialog) == offered  # …all are offered
    assert set(dialog.marks.combos) == set(offered)

    dialog.tabs.setCurrentIndex(0)
    dialog.profile_list.setFocus()
    dialog.profile_list.setCurrentRow(list(_listed(dialog)).index(PROD))
    QTest.keyClick(dialog.profile_list, Qt.Key.Key_Space)  # tick it, as a person would
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert set(controller.settings.profiles) == {DEV, PROD}
