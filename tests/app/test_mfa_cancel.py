"""One Cancel in the MFA dialog cancels every sign-in of this refresh waiting on the same MFA
device, and says so on each of their regions (issue 17 item 11): it used to re-prompt at
once for the next profile (and region) on that device. A later refresh asks again."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ssmgui.app import controller_for
from ssmgui.app.services import build_demo_services
from ssmgui.demo.desktop.files import DEV, PROD, STAGING
from ssmgui.demo.desktop.sso import SSO_PROFILE
from ssmgui.ui.error_display import ErrorDoor
from ssmgui.ui.main_surface import MainSurface
from ssmgui.ui.mfa_dialog import MfaDialog
from tests.app.test_gui_demo import RECORDER, Gui, answer_mfa, until

pytestmark = pytest.mark.slow


@pytest.fixture
async def gui(tmp_path: Path) -> AsyncIterator[Gui]:
    services = await build_demo_services(lambda: None)
    assert services.demo is not None
    client = f"{sys.executable} {RECORDER} {tmp_path / 'launched.jsonl'}"
    services.settings.update(
        dataclasses.replace(services.settings.current, browser_command=f"{client} {{url}}")
    )
    controller = controller_for(services)
    door = ErrorDoor(lambda: None, tmp_path / "ssmgui.log")
    controller.failed.connect(door.show_expected)
    surface = MainSurface(controller, quit_app=lambda: None)
    yield Gui(services, services.demo, controller, surface, door, tmp_path / "launched.jsonl")
    await controller.stop_all()
    await services.close()
    surface.window.close()


def _shown_dialogs() -> list[MfaDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MfaDialog) and w.isVisible()]


async def test_one_cancel_cancels_the_sign_ins_waiting_on_that_device(gui: Gui) -> None:
    refresh = asyncio.ensure_future(gui.controller.refresh())
    await until(_shown_dialogs)
    dialog = _shown_dialogs()[0]
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    QTest.mouseClick(cancel, Qt.MouseButton.LeftButton)
    async with asyncio.timeout(30):
        while not refresh.done():
            assert not _shown_dialogs(), f"asked again: {gui.services.prompt.asked}"
            await asyncio.sleep(0.02)
    await refresh
    assert len(gui.services.prompt.asked) == 1
    errors = {  # the IAM Identity Center profile waits for its own sign-in, not MFA
        (result.profile, result.error.user_message)
        for result in gui.controller.regions.values()
        if result.error is not None and result.profile != SSO_PROFILE
    }
    assert {profile for profile, _message in errors} == {PROD, STAGING}
    assert all("cancelled" in message for _profile, message in errors)
    waiting = [message for profile, message in errors if profile == STAGING]
    assert any("same MFA device" in message for message in waiting)
    problems = "\n".join(gui.surface.window.regions.problem_texts())
    assert "cancelled" in problems  # on the screen, by the regions
    assert all(r.error is None for r in gui.controller.regions.values() if r.profile == DEV)

    again = asyncio.ensure_future(gui.controller.refresh())  # a new refresh asks again
    await answer_mfa("123456")
    await asyncio.wait_for(again, 30)
    assert len(gui.services.prompt.asked) == 2
    mfa = [r for r in gui.controller.regions.values() if r.profile != SSO_PROFILE]
    assert all(result.error is None for result in mfa)
