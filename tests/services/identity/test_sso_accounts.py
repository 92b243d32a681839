"""Every account and role after an IAM Identity Center sign-in, through the fake portal
over real HTTP: more than one page of each, one account's refusal reported for it alone,
role credentials per (account, role) kept and renewed before they run out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ssmgui.core.errors import ConfigurationError, SsoLoginRequiredError
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.sso_accounts import SsoDirectory
from tests.services.identity.conftest import ONE_ATTEMPT
from tests.services.identity.sso_fixtures import SsoSetup, sso_fixture  # noqa: F401


def _directory(sso: SsoSetup) -> SsoDirectory:
    signer = sso.sign_in()
    signer.sign_in(sso.session())
    return SsoDirectory(
        signer, AwsClients(config=ONE_ATTEMPT, endpoint_url=sso.world.fake.url), sso.clock
    )


def test_every_account_and_role_across_pages(sso: SsoSetup) -> None:
    directory = _directory(sso)
    found = directory.everything(sso.session())
    assert [(a.account.name, a.roles) for a in found] == [
        ("demo-sandbox", ("Admin", "Dev", "Read")),
        ("demo-staging", ("Dev", "Read")),
        ("demo-production", ("Ops", "Read", "Audit")),
        ("demo-security", ("Audit",)),
    ]
    calls = sso.world.call(lambda: dict(sso.world.fake.calls))
    assert calls["GET /assignment/accounts"] == 2  # page size 2: two pages of four
    assert calls["GET /assignment/roles"] == 6  # 2 + 1 + 2 + 1 pages


def test_an_account_that_refuses_is_reported_alone(sso: SsoSetup) -> None:
    directory = _directory(sso)
    sso.world.call(lambda: sso.world.fake.portal.refused_accounts.add("222222222222"))
    found = {a.account.account_id: a for a in directory.everything(sso.session())}
    assert found["222222222222"].roles == () and found["222222222222"].problem is not None
    assert found["111111111111"].roles == ("Admin", "Dev", "Read")
    assert found["111111111111"].problem is None


def test_role_credentials_per_pair_are_kept_and_renewed_before_expiry(sso: SsoSetup) -> None:
    directory = _directory(sso)
    dev = directory.pair(sso.session(), "demo-sandbox", "Dev")
    ops = directory.pair(sso.session(), "333333333333", "Ops")
    assert dev.label == "corp:demo-sandbox/Dev"
    first = directory.credentials(dev)
    assert directory.credentials(dev) == first  # kept
    other = directory.credentials(ops)
    issued = sso.world.call(lambda: dict(sso.world.fake.portal.issued))
    assert issued[first.access_key_id] == ("111111111111", "Dev")
    assert issued[other.access_key_id] == ("333333333333", "Ops")
    sso.clock.advance(timedelta(minutes=51))  # 9 minutes left of the hour
    renewed = directory.credentials(dev)
    assert renewed.access_key_id != first.access_key_id
    assert renewed.expiration > first.expiration


def test_no_such_account_or_role_says_what_there_is(sso: SsoSetup) -> None:
    directory = _directory(sso)
    with pytest.raises(ConfigurationError, match=r"demo-sandbox \(111111111111\)"):
        directory.pair(sso.session(), "nope", "Dev")
    with pytest.raises(ConfigurationError, match="Your roles there: Audit"):
        directory.pair(sso.session(), "demo-security", "Admin")


def test_a_session_the_portal_no_longer_accepts_needs_a_sign_in(sso: SsoSetup) -> None:
    directory = _directory(sso)
    sso.world.call(sso.world.fake.expire_sessions)
    with pytest.raises(SsoLoginRequiredError, match="ssmgui login corp"):
        directory.accounts(sso.session())
