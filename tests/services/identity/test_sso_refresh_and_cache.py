"""Silent refresh with refresh-token rotation, expiry, one refresh however many race, and
the token file shared with botocore both ways (its SSO credential provider reads what we
write; we read what it writes after refreshing the token itself)."""

from __future__ import annotations

import threading
from datetime import timedelta

import botocore.session
import pytest
from botocore import tokens as botocore_tokens
from botocore.credentials import SSOProvider
from botocore.tokens import SSOTokenProvider
from botocore.utils import JSONFileCache

from ssmgui.core.errors import SsoLoginRequiredError
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.sso_oidc import OidcCalls, OidcRefusalError
from ssmgui.services.identity.sso_token_file import read_token
from tests.services.identity.conftest import ONE_ATTEMPT
from tests.services.identity.sso_fixtures import SsoSetup, sso_fixture  # noqa: F401

HOURS_8 = timedelta(hours=8)


def test_near_expiry_the_token_is_refreshed_silently_and_the_refresh_token_rotates(
    sso: SsoSetup,
) -> None:
    signer = sso.sign_in()
    first = signer.sign_in(sso.session())
    sso.clock.advance(HOURS_8 - timedelta(minutes=10))  # inside the 15-minute window

    second = signer.token(sso.session())

    assert second.access_token != first.access_token
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert second.expires_at == (sso.clock.now + HOURS_8).replace(microsecond=0)
    assert len(sso.browser.opened) == 1  # no new sign-in
    assert read_token(sso.cache_dir, sso.session()) == second
    calls = OidcCalls(
        AwsClients(config=ONE_ATTEMPT, endpoint_url=sso.world.fake.url).sso_oidc("eu-west-1"),
        "corp",
        sso.clock,
    )
    assert first.registration is not None and first.refresh_token is not None
    with pytest.raises(OidcRefusalError) as used_up:
        calls.token(first.registration, "refresh_token", refreshToken=first.refresh_token)
    assert used_up.value.kind == "InvalidGrantException"


def test_a_fresh_token_is_used_as_it_is(sso: SsoSetup) -> None:
    signer = sso.sign_in()
    first = signer.sign_in(sso.session())
    sso.clock.advance(timedelta(hours=7))
    assert signer.token(sso.session()) == first
    assert sso.world.call(lambda: sso.world.fake.oidc.grants) == {"authorization_code": 1}


def test_the_browser_flow_asks_for_the_default_scope_so_it_can_refresh(sso: SsoSetup) -> None:
    token = sso.sign_in().sign_in(sso.session("noscopes"))
    assert token.refresh_token  # as aws sso login: sso:account:access when none is named


def test_an_expired_token_without_refresh_needs_a_sign_in(sso: SsoSetup) -> None:
    signer = sso.sign_in()
    legacy = sso.session("legacy")

    def tell_and_allow(text: str) -> None:  # the user confirms the code at once
        code = text.split("the code ")[1].strip()
        sso.world.call(lambda: sso.world.fake.approve_device(code))

    signer.ui.tell = tell_and_allow
    token = signer.token(legacy, interactive=True)
    assert token.refresh_token is None
    sso.clock.advance(HOURS_8 - timedelta(minutes=5))
    assert signer.token(legacy) == token  # not refreshable, still valid: used as it is
    sso.clock.advance(timedelta(minutes=6))
    with pytest.raises(SsoLoginRequiredError, match="ssmgui login legacy"):
        signer.token(legacy)


def test_ten_refreshes_racing_make_one(sso: SsoSetup) -> None:
    signer = sso.sign_in()
    signer.sign_in(sso.session())
    sso.clock.advance(HOURS_8 - timedelta(minutes=1))
    tokens: list[str] = []
    start = threading.Barrier(10)

    def ask() -> None:
        start.wait()
        tokens.append(signer.token(sso.session()).access_token)

    threads = [threading.Thread(target=ask) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(tokens) == 10 and len(set(tokens)) == 1
    assert sso.world.call(lambda: sso.world.fake.oidc.grants)["refresh_token"] == 1


def test_a_revoked_refresh_token_falls_back_to_one_sign_in(sso: SsoSetup) -> None:
    signer = sso.sign_in()
    signer.sign_in(sso.session())
    sso.world.call(sso.world.fake.oidc.refresh_tokens.clear)
    sso.clock.advance(HOURS_8 + timedelta(minutes=1))
    with pytest.raises(SsoLoginRequiredError):
        signer.token(sso.session())
    signer.token(sso.session(), interactive=True)
    assert len(sso.browser.opened) == 2


def _botocore_cache(sso: SsoSetup) -> JSONFileCache:
    """The cache as botocore's SSOTokenProvider makes it, in the test's folder."""
    dumps = botocore_tokens._sso_json_dumps  # type: ignore[attr-defined]  # botocore's own
    return JSONFileCache(str(sso.cache_dir), dumps_func=dumps)


def _botocore_session(sso: SsoSetup) -> botocore.session.Session:
    session = botocore.session.Session(profile="dev")
    session.set_config_variable("config_file", str(sso.config_file))
    session.set_config_variable("credentials_file", str(sso.config_file.parent / "none"))
    return session


def test_botocores_sso_credential_provider_works_from_our_file(sso: SsoSetup) -> None:
    sso.sign_in().sign_in(sso.session())
    core = _botocore_session(sso)
    cache = _botocore_cache(sso)
    provider = SSOProvider(
        load_config=lambda: core.full_config,
        client_creator=core.create_client,
        profile_name="dev",
        cache={},
        token_cache=cache,  # type: ignore[arg-type]  # the stubs say dict; any mapping
        token_provider=SSOTokenProvider(core, cache=cache, profile_name="dev"),
    )
    credentials = provider.load()
    assert credentials is not None
    frozen = credentials.get_frozen_credentials()
    assert frozen.access_key is not None and frozen.access_key.startswith("ASIA")
    issued = sso.world.call(lambda: dict(sso.world.fake.portal.issued))
    assert issued[frozen.access_key] == ("111111111111", "Dev")


def test_we_read_what_botocore_writes_when_it_refreshes(sso: SsoSetup) -> None:
    signer = sso.sign_in()
    first = signer.sign_in(sso.session())
    sso.clock.advance(HOURS_8 - timedelta(minutes=5))
    core = _botocore_session(sso)
    cache = _botocore_cache(sso)
    provider = SSOTokenProvider(core, cache=cache, time_fetcher=sso.clock, profile_name="dev")
    token = provider.load_token()
    assert token is not None
    refreshed = token.get_frozen_token().token
    assert refreshed != first.access_token

    ours = signer.cached(sso.session())
    assert ours is not None and ours.access_token == refreshed
    assert ours.refresh_token and ours.refresh_token != first.refresh_token
    assert ours.expires_at > sso.clock.now + timedelta(hours=7)
    sso.clock.advance(timedelta(hours=8) - timedelta(minutes=5))
    again = signer.token(sso.session())  # our refresh with botocore's rotated token
    assert again.access_token != refreshed
