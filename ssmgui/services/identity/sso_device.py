"""The device-code sign-in (RFC 8628): for no browser on this computer, a remote session,
or the user's choice. The user opens a URL anywhere and confirms a short code there; we
poll CreateToken as the service asks:

- `authorization_pending`: not yet — ask again after `interval` seconds;
- `slow_down`: asking too often — the interval grows by 5 seconds for good (RFC 8628 §3.5);
- `expired_token`, or our own deadline of `expiresIn`: the code ran out — sign in again;
- `access_denied`: the user said no.
Nothing here waits longer than the code lives.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from ssmgui.services.identity.sso_oidc import (
    DEVICE_GRANT,
    DeviceAuthorization,
    OidcCalls,
    OidcRefusalError,
    SsoSignInError,
)
from ssmgui.services.identity.sso_sessions import SsoSession
from ssmgui.services.identity.sso_token_file import Registration, SsoToken

SLOW_DOWN_STEP = 5


def device_sign_in(
    calls: OidcCalls,
    session: SsoSession,
    tell: Callable[[str], None],
    open_browser: Callable[[str], object] | None,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], datetime],
    cancelled: Callable[[], bool] = lambda: False,
) -> SsoToken:
    """Sign `session` in with a device code; `tell` shows the URL and code to the user,
    `open_browser` (None: do not) opens the page with the code filled in; `cancelled()`
    True ends the polling (SsoSignInError), within one polling interval."""
    registration = calls.register(session.scopes)
    device = calls.start_device(registration, session.start_url)
    tell(
        f"To sign in to '{session.label}', open {device.verification_uri} and confirm the "
        f"code {device.user_code}"
    )
    if open_browser is not None:
        open_browser(device.verification_uri_complete)
    return _poll(
        calls, session, (registration, device), sleep=sleep, clock=clock, cancelled=cancelled
    )


def _poll(
    calls: OidcCalls,
    session: SsoSession,
    started: tuple[Registration, DeviceAuthorization],
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], datetime],
    cancelled: Callable[[], bool],
) -> SsoToken:
    registration, device = started
    deadline = clock() + timedelta(seconds=device.expires_in)
    interval = max(device.interval, 1)
    while True:
        sleep(interval)
        if cancelled():
            raise sign_in_cancelled(session)
        if clock() >= deadline:
            raise _expired(session)
        try:
            return calls.token(registration, DEVICE_GRANT, deviceCode=device.device_code)
        except OidcRefusalError as refusal:
            if refusal.kind == "AuthorizationPendingException":
                continue
            if refusal.kind == "SlowDownException":
                interval += SLOW_DOWN_STEP
                continue
            raise _failed(session, refusal) from None


def sign_in_cancelled(session: SsoSession) -> SsoSignInError:
    """The person cancelled an interactive sign-in."""
    return SsoSignInError(f"The sign-in to '{session.label}' was cancelled.")


def _expired(session: SsoSession) -> SsoSignInError:
    return SsoSignInError(
        f"The sign-in code for '{session.label}' expired before it was confirmed. "
        f"Run again: ssmgui login {session.label} --device-code"
    )


def _failed(session: SsoSession, refusal: OidcRefusalError) -> SsoSignInError:
    if refusal.kind == "ExpiredTokenException":
        return _expired(session)
    if refusal.kind == "AccessDeniedException":
        return SsoSignInError(
            f"The sign-in to '{session.label}' was denied in the browser. Run "
            f"ssmgui login {session.label} again and allow it."
        )
    return SsoSignInError(
        f"IAM Identity Center refused the sign-in to '{session.label}' ({refusal.kind}). "
        f"Run: ssmgui login {session.label}"
    )
