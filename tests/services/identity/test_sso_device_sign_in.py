"""The device-code sign-in against the fake over real HTTP: every answer the service gives
while it is polled (authorization_pending, slow_down, expired_token, access_denied), and
our own deadline. The waits run on the fake clock the service shares."""

from __future__ import annotations

import hashlib
import urllib.request
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from ssmgui.services.identity.sso_oidc import SsoSignInError
from tests.services.identity.sso_fixtures import SsoSetup, sso_fixture  # noqa: F401


def _user_code(sso: SsoSetup) -> str:
    (told,) = sso.told
    return told.split("the code ")[1].strip()


def _decide_after(sso: SsoSetup, polls: int, decision: str) -> None:
    """The user answers on the device page (a real form post) after `polls` waits."""
    original = sso.sleeps.append

    def after_wait(seconds: float) -> None:
        original(seconds)
        if len(sso.sleeps) == polls:
            form = urlencode({"user_code": _user_code(sso), "decision": decision}).encode()
            url = f"{sso.world.fake.url}/device/decide"
            with urllib.request.urlopen(url, form, timeout=10) as answer:
                assert "Done" in answer.read().decode()

    sso.sleeps = _Recorder(after_wait)


class _Recorder(list[float]):
    def __init__(self, on_append: object) -> None:
        super().__init__()
        self._on_append = on_append

    def append(self, value: float) -> None:
        super().append(value)
        self._on_append(value)  # type: ignore[operator]


def test_pending_until_the_user_allows_it(sso: SsoSetup) -> None:
    _decide_after(sso, 3, "allow")
    token = sso.sign_in().sign_in(sso.session(), device_code=True)
    assert sso.sleeps == [1, 1, 1]  # two pending answers; allowed before the third poll
    assert "/device" in sso.told[0] and _user_code(sso)
    assert sso.browser.opened[0].endswith(f"user_code={_user_code(sso)}")
    assert token.refresh_token  # the session names scopes: refreshable
    assert sso.world.call(lambda: sso.world.fake.oidc.grants) == {
        "urn:ietf:params:oauth:grant-type:device_code": 1
    }


def test_slow_down_makes_the_waits_longer_for_good(sso: SsoSetup) -> None:
    sso.world.call(lambda: setattr(sso.world.fake.oidc, "enforced_interval", 4))
    _decide_after(sso, 4, "allow")
    sso.sign_in().sign_in(sso.session(), device_code=True)
    # 1 s: the first poll is pending; 1 s again is too soon for 4 s: slow_down; then 6 s.
    assert sso.sleeps == [1, 1, 6, 6]


def test_a_denied_code_says_so(sso: SsoSetup) -> None:
    _decide_after(sso, 2, "deny")
    with pytest.raises(SsoSignInError, match="denied"):
        sso.sign_in().sign_in(sso.session(), device_code=True)
    assert not sso.cache_dir.exists() or not list(sso.cache_dir.iterdir())


def test_a_code_the_service_expires_says_run_again(sso: SsoSetup) -> None:
    def expire_all(_: float) -> None:
        def expire() -> None:
            for device in sso.world.fake.oidc.devices.values():
                device.expires = sso.clock.now - timedelta(seconds=1)

        sso.world.call(expire)

    sso.sleeps = _Recorder(expire_all)
    with pytest.raises(SsoSignInError, match="expired before it was confirmed"):
        sso.sign_in().sign_in(sso.session(), device_code=True)
    assert sso.sleeps == [1]


def test_polling_stops_when_the_code_runs_out_whatever_the_service_says(sso: SsoSetup) -> None:
    sso.world.call(lambda: setattr(sso.world.fake.oidc, "device_lifetime", timedelta(seconds=5)))
    sso.world.call(lambda: setattr(sso.world.fake.oidc, "enforced_interval", None))
    with pytest.raises(SsoSignInError, match="--device-code"):
        sso.sign_in().sign_in(sso.session(), device_code=True)
    assert sum(sso.sleeps) == 5


def test_a_legacy_profile_signs_in_with_a_device_code(sso: SsoSetup) -> None:
    _decide_after(sso, 1, "allow")
    token = sso.sign_in().token(sso.session("legacy"), interactive=True)
    assert token.refresh_token is None  # no sso-session, no scopes: as aws sso login
    key = hashlib.sha1(sso.world.fake.start_url.encode()).hexdigest()  # botocore's name
    assert [p.name for p in sso.cache_dir.iterdir()] == [f"{key}.json"]
