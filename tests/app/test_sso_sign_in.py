"""IAM Identity Center in the composed demo app (offscreen): an SSO profile whose sign-in
is missing or ended waits for it instead of showing an error, the bar's "Sign in…"
completes the browser sign-in on the demo portal's page (once, however many ask), and its
account's instances are then listed."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget

from ssmgui.app import controller_for
from ssmgui.app.services import AppServices, build_demo_services
from ssmgui.core.errors import SsoLoginRequiredError
from ssmgui.demo.desktop.sso import SSO_PROFILE, SSO_SESSION
from ssmgui.ui.controller import AppController
from ssmgui.ui.main_surface import MainSurface
from ssmgui.ui.settings_dialog import SettingsDialog
from ssmgui.ui.sso_sign_in_dialog import USE_CODE, SsoSignInDialog

REGION = "eu-west-1"
SHOTS = Path("/tmp/h15")
PAIR = "demo-sso:demo-production/Ops"


async def until(done: Callable[[], bool], limit: float = 10.0) -> None:
    for _ in range(int(limit / 0.05)):
        if done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time limit")


@pytest.fixture
async def app() -> AsyncIterator[tuple[AppServices, AppController, MainSurface]]:
    services = await build_demo_services(lambda: None)
    chosen = dataclasses.replace(services.settings.current, profiles=(SSO_PROFILE,))
    services.settings.update(chosen)
    controller = controller_for(services)
    surface = MainSurface(controller, quit_app=lambda: None)
    yield services, controller, surface
    await controller.stop_all()
    await services.close()
    surface.window.close()


@pytest.mark.slow
async def test_the_bar_signs_in_and_the_sso_accounts_instances_are_listed(
    app: tuple[AppServices, AppController, MainSurface],
) -> None:
    services, controller, surface = app
    assert services.demo is not None
    window = surface.window
    window.show()
    await controller.refresh()
    result = controller.regions[(SSO_PROFILE, REGION)]
    assert isinstance(result.error, SsoLoginRequiredError)
    await until(window.notice.isVisible)
    (text,) = window.regions.problem_texts()  # no error line: only that it waits
    assert text.startswith(f"{SSO_PROFILE} / {REGION}: waiting for you to sign in")
    assert "IAM Identity Center" in window.notice.text.text()
    window.grab().save(str(SHOTS / "sso-waiting.png"))

    QTest.mouseClick(window.notice.action, Qt.MouseButton.LeftButton)
    await until(lambda: len(controller.instances()) == 4)
    assert services.demo.sso.fake.oidc.grants["authorization_code"] == 1
    assert not controller.credentials[SSO_PROFILE].needs_login
    assert {i.profile for i in controller.instances()} == {SSO_PROFILE}
    await until(lambda: window.regions.problem_texts() == [])
    window.grab().save(str(SHOTS / "sso-listed.png"))


@pytest.mark.slow
async def test_sign_ins_asked_together_make_one_browser_sign_in(
    app: tuple[AppServices, AppController, MainSurface],
) -> None:
    services, controller, _ = app
    assert services.demo is not None
    await asyncio.gather(*(controller.sign_in(SSO_PROFILE) for _ in range(3)))
    assert services.demo.sso.fake.oidc.grants["authorization_code"] == 1
    assert not controller.credentials[SSO_PROFILE].needs_login


@pytest.fixture
async def plain() -> AsyncIterator[tuple[AppServices, AppController, MainSurface]]:
    """The demo showing only demo-dev (no MFA) in one region."""
    services = await build_demo_services(lambda: None)
    chosen = dataclasses.replace(
        services.settings.current, profiles=("demo-dev",), regions=(REGION,)
    )
    services.settings.update(chosen)
    controller = controller_for(services)
    surface = MainSurface(controller, quit_app=lambda: None)
    yield services, controller, surface
    await controller.stop_all()
    await services.close()
    surface.window.close()


@pytest.mark.slow
async def test_a_role_ticked_in_settings_is_listed_with_its_account_name(
    plain: tuple[AppServices, AppController, MainSurface],
) -> None:
    services, controller, surface = plain
    assert services.demo is not None
    window = surface.window
    window.show()
    await controller.refresh()
    dev_rows = len(controller.instances())
    surface.open_settings()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.sso_roles is not None
    page = dialog.sso_roles
    dialog.tabs.setCurrentWidget(page)
    assert page.session_choice.currentText() == "demo-sso" and page.chosen_keys() == ()
    QTest.mouseClick(page.list_button, Qt.MouseButton.LeftButton)
    await until(lambda: page.role_item(PAIR) is not None)
    assert services.demo.sso.fake.oidc.grants["authorization_code"] == 1  # signed in first
    assert page.chosen_keys() == ()  # nothing new is ticked by default
    item = page.role_item(PAIR)
    assert item is not None
    item.setCheckState(0, Qt.CheckState.Checked)
    dialog.grab().save(str(SHOTS / "sso-settings.png"))
    dialog.accept()

    await until(lambda: any(i.profile == PAIR for i in controller.instances()))
    await until(lambda: not controller.refreshing)
    ours = [i for i in controller.instances() if i.profile == PAIR]
    assert len(ours) == 4 and len(controller.instances()) == dev_rows + 4
    assert services.settings.current.sso_roles == ("demo-sso/333333333333/Ops/demo-production",)
    window.filter_edit.setText("demo-production")
    assert window.model.rowCount() == 4
    window.grab().save(str(SHOTS / "sso-pair-listed.png"))


@pytest.mark.slow
async def test_the_sign_in_dialog_shows_the_address_and_cancel_ends_the_sign_in(
    app: tuple[AppServices, AppController, MainSurface],
) -> None:
    """A browser that never comes back (the person closed it): the dialog says where to
    sign in, and its Cancel ends the wait; the region still waits for a sign-in."""
    services, controller, _ = app
    assert services.demo is not None
    signer = services.facade._sso
    assert signer is not None
    opened: list[str] = []
    signer.ui.open_browser = opened.append
    failures: list[str] = []
    controller.failed.connect(lambda exc: failures.append(exc.user_message))
    signing_in = asyncio.ensure_future(controller.sign_in(SSO_PROFILE))
    dialog = await until_shown(QApplication.topLevelWidgets)
    assert opened and opened[0] in dialog.text.toPlainText()  # the address, to open by hand
    dialog.grab().save(str(SHOTS / "sso-sign-in-dialog.png"))
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    QTest.mouseClick(cancel, Qt.MouseButton.LeftButton)
    await asyncio.wait_for(signing_in, 5)
    assert failures == [f"The sign-in to '{SSO_SESSION}' was cancelled."]
    assert controller.credentials[SSO_PROFILE].needs_login
    await until(lambda: not _sign_in_dialogs(QApplication.topLevelWidgets()))


@pytest.mark.slow
async def test_use_a_code_instead_switches_to_the_device_code_without_a_browser(
    app: tuple[AppServices, AppController, MainSurface],
) -> None:
    """No browser here (a remote desktop): the dialog's "Use a code instead" ends the
    browser sign-in and shows the device code and its page; confirmed there (on another
    device, as the person would), the profile is signed in. No browser opens for it."""
    services, controller, _ = app
    assert services.demo is not None
    signer = services.facade._sso
    assert signer is not None
    opened: list[str] = []
    signer.ui.open_browser = opened.append
    signing_in = asyncio.ensure_future(controller.sign_in(SSO_PROFILE))
    dialog = await until_shown(QApplication.topLevelWidgets)
    assert dialog.use_code is not None and dialog.use_code.text() == USE_CODE
    QTest.mouseClick(dialog.use_code, Qt.MouseButton.LeftButton)
    await until(lambda: "confirm the code" in _shown_text())
    (shown,) = _sign_in_dialogs(QApplication.topLevelWidgets())
    assert shown.use_code is None  # already the code: nothing to switch to
    text = shown.text.toPlainText()
    match = re.search(r"open (\S+) and confirm the code (\S+)", text)
    assert match is not None, text
    assert match.group(1).startswith(services.demo.sso.url)
    shown.grab().save("/tmp/h18/sso-device-code-dialog.png")
    assert services.demo.sso.fake.approve_device(match.group(2))
    await asyncio.wait_for(signing_in, 15)
    assert not controller.credentials[SSO_PROFILE].needs_login
    assert len(opened) == 1  # the browser sign-in's address only: none for the code
    assert "authorization_code" not in services.demo.sso.fake.oidc.grants
    await until(lambda: not _sign_in_dialogs(QApplication.topLevelWidgets()))


def _shown_text() -> str:
    return "".join(d.text.toPlainText() for d in _sign_in_dialogs(QApplication.topLevelWidgets()))


def _sign_in_dialogs(widgets: list[QWidget]) -> list[SsoSignInDialog]:
    return [w for w in widgets if isinstance(w, SsoSignInDialog) and w.isVisible()]


async def until_shown(widgets: Callable[[], list[QWidget]]) -> SsoSignInDialog:
    for _ in range(200):
        if shown := _sign_in_dialogs(widgets()):
            return shown[0]
        await asyncio.sleep(0.05)
    raise AssertionError("no sign-in dialog within 10 s")
