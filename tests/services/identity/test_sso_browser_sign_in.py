"""The browser sign-in (authorization code + PKCE through a loopback redirect) against the
fake IAM Identity Center over real HTTP: the verifier and state are checked, the redirect
comes back to 127.0.0.1 on a port of the system's choosing, and the token lands in the
AWS CLI's cache file."""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.pkce import new_pkce, new_state, s256
from ssmgui.services.identity.sso_browser import authorize_url
from ssmgui.services.identity.sso_oidc import OidcCalls, OidcRefusalError, SsoSignInError
from ssmgui.services.identity.sso_redirect import REGISTERED_REDIRECT_URI
from tests.services.identity.conftest import ONE_ATTEMPT
from tests.services.identity.sso_fixtures import SsoSetup, sso_fixture  # noqa: F401


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_: object) -> None:
        return None


def _location(url: str) -> tuple[int, str]:
    """The authorize endpoint's answer without following it: (status, Location)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as answer:
            return answer.status, answer.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


def _calls(sso: SsoSetup) -> OidcCalls:
    client = AwsClients(config=ONE_ATTEMPT, endpoint_url=sso.world.fake.url).sso_oidc("eu-west-1")
    return OidcCalls(client, "corp", sso.clock)


def test_browser_sign_in_writes_the_cli_token_file(sso: SsoSetup) -> None:
    token = sso.sign_in().sign_in(sso.session())

    (opened,) = sso.browser.opened
    query = parse_qs(urlsplit(opened).query)
    redirect = urlsplit(query["redirect_uri"][0])
    assert (redirect.scheme, redirect.hostname, redirect.path) == (
        "http",
        "127.0.0.1",
        "/oauth/callback",
    )
    assert redirect.port not in (None, 80)  # a port the system picked, not a fixed one
    assert query["code_challenge_method"] == ["S256"]
    assert query["scopes"] == ["sso:account:access"]
    assert "Signed in" in sso.browser.pages[0]
    files = list(sso.cache_dir.iterdir())
    assert [f.name for f in files] == [f"{hashlib.sha1(b'corp').hexdigest()}.json"]
    data = json.loads(files[0].read_text())
    assert set(data) == {
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    }
    assert data["accessToken"] == token.access_token
    assert data["expiresAt"].endswith("Z") and data["region"] == "eu-west-1"
    assert files[0].stat().st_mode & 0o077 == 0
    assert sso.world.call(lambda: sso.world.fake.oidc.valid_access_token(token.access_token))


def test_the_verifier_is_checked_and_a_code_is_used_once(sso: SsoSetup) -> None:
    calls = _calls(sso)
    registration = calls.register(
        ["sso:account:access"], redirect_uri=REGISTERED_REDIRECT_URI, issuer_url="x"
    )
    pkce, state, redirect_uri = new_pkce(), new_state(), "http://127.0.0.1:54321/oauth/callback"
    url = authorize_url(
        calls.endpoint_url,
        registration,
        redirect_uri=redirect_uri,
        state=state,
        pkce=pkce,
        scopes=("sso:account:access",),
    )
    status, location = _location(url)
    assert status == 302 and location.startswith(redirect_uri + "?")
    back = parse_qs(urlsplit(location).query)
    assert back["state"] == [state]
    code = back["code"][0]

    wrong = new_pkce().verifier
    with pytest.raises(OidcRefusalError) as refused:
        calls.token(
            registration,
            "authorization_code",
            code=code,
            redirectUri=redirect_uri,
            codeVerifier=wrong,
        )
    assert refused.value.kind == "InvalidGrantException"
    assert s256(pkce.verifier) == pkce.challenge


def test_the_right_verifier_gets_a_token_once(sso: SsoSetup) -> None:
    calls = _calls(sso)
    registration = calls.register([], redirect_uri=REGISTERED_REDIRECT_URI, issuer_url="x")
    pkce, state, redirect_uri = new_pkce(), new_state(), "http://127.0.0.1:40001/oauth/callback"
    url = authorize_url(
        calls.endpoint_url,
        registration,
        redirect_uri=redirect_uri,
        state=state,
        pkce=pkce,
        scopes=(),
    )
    code = parse_qs(urlsplit(_location(url)[1]).query)["code"][0]
    grant = {"code": code, "redirectUri": redirect_uri, "codeVerifier": pkce.verifier}
    token = calls.token(registration, "authorization_code", **grant)
    assert token.access_token and token.refresh_token is None  # no scopes: no refresh token
    with pytest.raises(OidcRefusalError):
        calls.token(registration, "authorization_code", **grant)


def test_the_authorize_page_never_redirects_to_a_place_it_did_not_register(
    sso: SsoSetup,
) -> None:
    calls = _calls(sso)
    registration = calls.register([], redirect_uri=REGISTERED_REDIRECT_URI, issuer_url="x")
    pkce = new_pkce()
    for client_id, redirect_uri in [
        (registration.client_id, "http://evil.example/oauth/callback"),
        (registration.client_id, "http://127.0.0.1:4000/elsewhere"),
        ("unknown-client", "http://127.0.0.1:4000/oauth/callback"),
    ]:
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": "s",
            "code_challenge_method": "S256",
            "code_challenge": pkce.challenge,
        }
        status, location = _location(f"{calls.endpoint_url}/authorize?{urlencode(query)}")
        assert (status, location) == (400, "")
    query = {
        "response_type": "code",
        "client_id": registration.client_id,
        "redirect_uri": "http://127.0.0.1:4000/oauth/callback",
        "state": "s",
    }
    status, location = _location(f"{calls.endpoint_url}/authorize?{urlencode(query)}")
    assert status == 302 and parse_qs(urlsplit(location).query) == {
        "error": ["invalid_request"],
        "state": ["s"],
    }  # no PKCE challenge: refused


def test_an_answer_without_our_state_is_ignored(sso: SsoSetup) -> None:
    def forging_browser(url: str) -> bool:
        redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        forged = f"{redirect_uri}?{urlencode({'code': 'forged', 'state': 'not-ours'})}"
        with urllib.request.urlopen(forged, timeout=10) as answer:
            assert "not the sign-in" in answer.read().decode()
        return sso.browser(url)

    signer = sso.sign_in()
    signer.ui.open_browser = forging_browser
    signer.sign_in(sso.session())
    assert sso.world.call(lambda: sso.world.fake.oidc.grants) == {"authorization_code": 1}


def test_a_denied_sign_in_says_so(sso: SsoSetup) -> None:
    sso.world.call(lambda: setattr(sso.world.fake, "approve_automatically", False))

    def denying_browser(url: str) -> bool:
        with urllib.request.urlopen(url, timeout=10) as answer:
            page = answer.read().decode()
        request_id = page.split('name="request" value="')[1].split('"')[0]
        form = urlencode({"request": request_id, "decision": "deny"}).encode()
        with urllib.request.urlopen(f"{sso.world.fake.url}/authorize/decide", form, timeout=10):
            return True

    signer = sso.sign_in()
    signer.ui.open_browser = denying_browser
    with pytest.raises(SsoSignInError, match="not allowed in the browser"):
        signer.sign_in(sso.session())
    assert not sso.cache_dir.exists() or not list(sso.cache_dir.iterdir())


def test_a_browser_that_never_comes_back_ends_within_the_time_limit(sso: SsoSetup) -> None:
    signer = sso.sign_in(time_limit=0.3)
    signer.ui.open_browser = lambda url: False
    with pytest.raises(SsoSignInError, match="--device-code"):
        signer.sign_in(sso.session())


def test_ten_callers_at_once_make_one_sign_in(sso: SsoSetup) -> None:
    signer = sso.sign_in()
    session = sso.session()
    tokens: list[str] = []
    start = threading.Barrier(10)

    def ask() -> None:
        start.wait()
        tokens.append(signer.token(session, interactive=True).access_token)

    threads = [threading.Thread(target=ask) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(tokens) == 10 and len(set(tokens)) == 1
    assert len(sso.browser.opened) == 1
    assert sso.world.call(lambda: sso.world.fake.calls["POST /client/register"]) == 1


def test_ten_sign_in_clicks_at_once_open_one_browser_tab(sso: SsoSetup) -> None:
    signer = sso.sign_in()
    signer.sign_in(sso.session())  # an earlier sign-in is cached: each click wants a new one
    start = threading.Barrier(10)
    tokens: list[str] = []

    def click() -> None:
        start.wait()
        tokens.append(signer.sign_in(sso.session()).access_token)

    threads = [threading.Thread(target=click) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(tokens) == 10 and len(set(tokens)) == 1
    assert len(sso.browser.opened) == 2  # the earlier one and one for all ten clicks
