"""A fake IAM Identity Center sign-in with a session lifetime ends for good: tokens
refreshed from it expire at its end, and its refresh token is refused afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ssmgui.demo.sso.oidc import DEVICE_GRANT, REFRESH_GRANT, OidcError, OidcState


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _signed_in(state: OidcState) -> tuple[dict[str, object], dict[str, object]]:
    client = state.register_client(
        {"clientName": "t", "clientType": "public", "scopes": ["sso:account:access"]}
    )
    keys = {"clientId": client["clientId"], "clientSecret": client["clientSecret"]}
    device = state.start_device_authorization({**keys, "startUrl": state.start_url}, "http://x")
    assert state.decide_device(str(device["userCode"]), True)
    token = state.create_token(
        {**keys, "grantType": DEVICE_GRANT, "deviceCode": device["deviceCode"]}
    )
    return keys, token


def test_refreshed_tokens_end_with_the_session_then_refresh_is_refused() -> None:
    clock = _Clock()
    state = OidcState(
        "http://x/start", clock, token_lifetime=timedelta(hours=1),
        session_lifetime=timedelta(minutes=3),
    )  # fmt: skip
    keys, token = _signed_in(state)
    assert token["expiresIn"] == 180  # the session's end, not the token lifetime
    clock.now += timedelta(minutes=2)
    again = state.create_token(
        {**keys, "grantType": REFRESH_GRANT, "refreshToken": token["refreshToken"]}
    )
    assert again["expiresIn"] == 60
    assert state.valid_access_token(str(again["accessToken"]))
    clock.now += timedelta(minutes=1, seconds=1)
    assert not state.valid_access_token(str(again["accessToken"]))
    with pytest.raises(OidcError) as ended:
        state.create_token(
            {**keys, "grantType": REFRESH_GRANT, "refreshToken": again["refreshToken"]}
        )
    assert ended.value.code == "invalid_grant"


def test_without_a_session_lifetime_refresh_goes_on() -> None:
    clock = _Clock()
    state = OidcState("http://x/start", clock, token_lifetime=timedelta(minutes=3))
    keys, token = _signed_in(state)
    clock.now += timedelta(hours=10)
    again = state.create_token(
        {**keys, "grantType": REFRESH_GRANT, "refreshToken": token["refreshToken"]}
    )
    assert again["expiresIn"] == 180
