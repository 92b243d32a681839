"""One profile's MFA prompt holds up no other profile (issue #17): on the demo world, while
demo-prod's code is awaited, demo-dev (no MFA) is listed and demo-prod's and
demo-staging's regions say they wait for the sign-in; one code then lists them both. The
IAM Identity Center profile waits for its own (browser) sign-in throughout."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QApplication

from ssmgui.demo.desktop.files import DEV, PROD, STAGING
from ssmgui.demo.desktop.sso import SSO_PROFILE
from ssmgui.ui.instances_window import InstancesWindow
from ssmgui.ui.mfa_dialog import MfaDialog
from tests.app.test_gui_demo import Gui, answer_mfa, until
from tests.app.test_gui_demo import gui as gui  # noqa: PLC0414 - the fixture, re-exported


def mfa_dialog_shows() -> bool:
    return any(isinstance(w, MfaDialog) and w.isVisible() for w in QApplication.topLevelWidgets())


def listed_profiles(window: InstancesWindow) -> set[str]:
    model = window.model
    return {model.instance_at(row).profile for row in range(model.rowCount())}


def waiting_lines(window: InstancesWindow) -> list[str]:
    return [text for text in window.regions.problem_texts() if "waiting" in text]


async def test_other_profiles_are_listed_while_an_mfa_code_is_awaited(gui: Gui) -> None:
    window = gui.surface.window
    gui.controller.update_credentials()  # as the app does before its first refresh
    refresh = asyncio.ensure_future(gui.controller.refresh())
    try:
        await until(lambda: mfa_dialog_shows() and listed_profiles(window) == {DEV})
        assert gui.services.prompt.asked[0].profile_name == PROD
        lines = waiting_lines(window)
        assert sorted(line.split(" / ")[0] for line in lines) == [PROD, SSO_PROFILE, STAGING]
        assert "3 profiles waiting for sign-in" in window.regions.summary.text()
        assert "in 3 regions" in window.regions.summary.text()  # demo-dev's, listed
        await answer_mfa("123456")
        await asyncio.wait_for(refresh, 30)
    finally:
        if not refresh.done():
            refresh.cancel()
    assert listed_profiles(window) == {DEV, PROD, STAGING}
    assert [line.split(" / ")[0] for line in waiting_lines(window)] == [SSO_PROFILE]
    summary = window.regions.summary.text()
    assert summary.startswith(f"{window.model.total():,} instances of 3 profiles in 3 regions")
    assert len(gui.services.prompt.asked) == 1  # one code served demo-prod and demo-staging
