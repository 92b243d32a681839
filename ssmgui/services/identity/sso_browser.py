"""The browser sign-in: OAuth authorization code with PKCE through a loopback redirect,
as `aws sso login` does by default.

1. Listen on 127.0.0.1 at a port the system picks (`sso_redirect.RedirectReceiver`).
2. RegisterClient for the authorization_code and refresh_token grants, the loopback
   redirect URI and the session's scopes (`sso_registration_scopes`, else
   sso:account:access) — with scopes the service issues refresh tokens.
3. Open `<oidc endpoint>/authorize?…` with the client id, our redirect URI, a fresh
   `state` and the PKCE S256 challenge; the user signs in there and the browser comes
   back to us with `code` and `state` (an answer without our state is ignored).
4. CreateToken with the code, the same redirect URI and the PKCE verifier (which never
   left this process), so a code seen by anyone else is useless to them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from ssmgui.services.identity.pkce import Pkce, new_pkce, new_state
from ssmgui.services.identity.sso_device import sign_in_cancelled
from ssmgui.services.identity.sso_oidc import OidcCalls, OidcRefusalError, SsoSignInError
from ssmgui.services.identity.sso_redirect import (
    REGISTERED_REDIRECT_URI,
    RedirectAnswer,
    RedirectReceiver,
)
from ssmgui.services.identity.sso_sessions import DEFAULT_SCOPE, SsoSession
from ssmgui.services.identity.sso_token_file import Registration, SsoToken

CODE_GRANT = "authorization_code"
#: How often the wait for the browser looks whether the person cancelled.
CANCEL_CHECK_S = 0.25


def authorize_url(
    endpoint: str,
    registration: Registration,
    *,
    redirect_uri: str,
    state: str,
    pkce: Pkce,
    scopes: tuple[str, ...],
) -> str:
    """The page the browser opens (parameters as the AWS CLI sends them)."""
    query = {
        "response_type": "code",
        "client_id": registration.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge_method": pkce.method,
        "scopes": " ".join(scopes),
        "code_challenge": pkce.challenge,
    }
    return f"{endpoint.rstrip('/')}/authorize?{urlencode(query)}"


def browser_sign_in(
    calls: OidcCalls,
    session: SsoSession,
    tell: Callable[[str], None],
    open_browser: Callable[[str], object],
    *,
    time_limit: float,
    cancelled: Callable[[], bool] = lambda: False,
) -> SsoToken:
    """Sign `session` in through the user's browser; waits at most `time_limit` seconds
    for the browser to come back."""
    state, pkce = new_state(), new_pkce()
    scopes = session.scopes or (DEFAULT_SCOPE,)
    with RedirectReceiver(state) as receiver:
        registration = calls.register(
            scopes, redirect_uri=REGISTERED_REDIRECT_URI, issuer_url=session.start_url
        )
        url = authorize_url(
            calls.endpoint_url,
            registration,
            redirect_uri=receiver.redirect_uri,
            state=state,
            pkce=pkce,
            scopes=scopes,
        )
        tell(
            f"Signing in to '{session.label}' in your browser. If no browser page opens, "
            f"open this address: {url}"
        )
        _open(open_browser, url)
        answer = _wait(receiver, time_limit, cancelled)
        if answer is None and cancelled():
            raise sign_in_cancelled(session)
        redirect_uri = receiver.redirect_uri
    if answer is None:
        raise SsoSignInError(
            f"The browser did not finish the sign-in to '{session.label}' within "
            f"{int(time_limit // 60)} minutes. Run ssmgui login {session.label} again, or "
            "add --device-code to sign in with a code instead."
        )
    if answer.code is None:
        raise SsoSignInError(
            f"The sign-in to '{session.label}' was not allowed in the browser ({answer.error}). "
            f"Run ssmgui login {session.label} again and allow it."
        )
    try:
        return calls.token(
            registration,
            CODE_GRANT,
            code=answer.code,
            redirectUri=redirect_uri,
            codeVerifier=pkce.verifier,
        )
    except OidcRefusalError as refusal:
        raise SsoSignInError(
            f"IAM Identity Center refused the browser sign-in to '{session.label}' "
            f"({refusal.kind}). Run ssmgui login {session.label} again."
        ) from None


def _wait(
    receiver: RedirectReceiver, time_limit: float, cancelled: Callable[[], bool]
) -> RedirectAnswer | None:
    """The browser's answer within `time_limit`, looking every `CANCEL_CHECK_S` whether the
    person cancelled (None then too)."""
    deadline = time.monotonic() + time_limit
    while (left := deadline - time.monotonic()) > 0 and not cancelled():
        answer = receiver.wait(min(left, CANCEL_CHECK_S))
        if answer is not None:
            return answer
    return None


def _open(open_browser: Callable[[str], object], url: str) -> None:
    """A browser that cannot be opened is not an error: the address was shown."""
    try:
        open_browser(url)
    except Exception:  # webbrowser may raise anything; the URL is shown
        return
