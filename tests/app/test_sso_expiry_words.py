"""The expiring-credentials notice for IAM Identity Center (issue 19), in the composed demo
app (offscreen): an SSO profile's and a chosen (account, role) pair's say "sign in" to IAM
Identity Center, not MFA; and the expiry monitor as the app wires it warns for a chosen
pair too (the identity service alone knows no profile by a pair's label)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from ssmgui.app import controller_for
from ssmgui.app.services import AppServices, build_demo_services
from ssmgui.demo.desktop.files import PROD
from ssmgui.demo.desktop.sso import SSO_PROFILE
from ssmgui.services.identity.expiry import ExpiryMonitor
from ssmgui.ui.controller import AppController, Notice

PAIR = "demo-sso:demo-production/Ops"
PAIR_KEY = "demo-sso/333333333333/Ops/demo-production"

pytestmark = pytest.mark.slow


@pytest.fixture
async def app() -> AsyncIterator[tuple[AppServices, AppController]]:
    services = await build_demo_services(lambda: None)
    chosen = dataclasses.replace(
        services.settings.current, profiles=(SSO_PROFILE,), sso_roles=(PAIR_KEY,)
    )
    services.settings.update(chosen)
    controller = controller_for(services)
    yield services, controller
    await controller.stop_all()
    await services.close()


def _monitor(services: AppServices, controller: AppController, ends: datetime) -> ExpiryMonitor:
    """The monitor as the app wires it, a minute before `ends`."""
    return ExpiryMonitor(
        services.identity,
        controller.profile_names,
        lambda: ends - timedelta(minutes=1),
        services.facade.expires_at,
    )


def _notice_for(controller: AppController, profile: str, ends: datetime) -> Notice:
    notices: list[Notice] = []
    controller.notify.connect(notices.append)
    controller.credentials_expiring(profile, ends)
    controller.notify.disconnect(notices.append)
    (notice,) = notices
    return notice


async def test_an_sso_profiles_notice_says_sign_in_not_mfa(
    app: tuple[AppServices, AppController],
) -> None:
    services, controller = app
    await controller.sign_in(SSO_PROFILE)
    ends = services.facade.expires_at(SSO_PROFILE)
    assert ends is not None
    warned = [w.profile_name for w in _monitor(services, controller, ends).due()]
    assert SSO_PROFILE in warned
    notice = _notice_for(controller, SSO_PROFILE, ends)
    assert "IAM Identity Center sign-in ends at" in notice.title
    assert "sign in again (IAM Identity Center)" in notice.message
    assert "MFA" not in notice.title + notice.message
    assert notice.sign_in == SSO_PROFILE
    # An MFA profile's notice still offers the MFA dialog.
    assert "(MFA)" in _notice_for(controller, PROD, ends).message


async def test_a_chosen_pair_is_warned_of_and_told_to_sign_in(
    app: tuple[AppServices, AppController],
) -> None:
    services, controller = app
    assert PAIR in controller.profile_names()
    await controller.sign_in(PAIR)
    ends = services.facade.expires_at(PAIR)
    assert ends is not None
    unwired = ExpiryMonitor(
        services.identity, controller.profile_names, lambda: ends - timedelta(minutes=1)
    )
    assert PAIR not in [w.profile_name for w in unwired.due()]  # why the app passes the facade's
    assert PAIR in [w.profile_name for w in _monitor(services, controller, ends).due()]
    notice = _notice_for(controller, PAIR, ends)
    assert notice.title.startswith(f"{PAIR}: IAM Identity Center sign-in ends at")
    assert "MFA" not in notice.title + notice.message
