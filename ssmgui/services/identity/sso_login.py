"""IAM Identity Center sign-in inside ssmgui: a usable token for an SSO session, from the
AWS CLI's cache, a silent refresh, or a sign-in (browser with PKCE, or device code).

`SsoSignIn.token(session)` is what every caller asks:
1. the cached token, while it has more than `refresh_window` left;
2. else, under the session's lock, the cache again (another caller may have just signed
   in or refreshed), then a refresh with the refresh token (the old one is used up: the
   service rotates it) — written back to the same file, so `aws` sees it too;
3. else, with `interactive`, one sign-in; without, the still-valid token or
   `SsoLoginRequiredError`.
However many threads ask at once, one session has at most one refresh or sign-in at a
time; the others wait for it (within the sign-in's own time limit) and take its token.
"""

from __future__ import annotations

import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from ssmgui.core.errors import SsoLoginRequiredError
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.sso import REFRESH_WINDOW
from ssmgui.services.identity.sso_browser import browser_sign_in
from ssmgui.services.identity.sso_device import device_sign_in
from ssmgui.services.identity.sso_oidc import OidcCalls, OidcRefusalError, SsoSignInError
from ssmgui.services.identity.sso_sessions import SsoSession
from ssmgui.services.identity.sso_token_file import SsoToken, read_token, write_token

REFRESH_GRANT = "refresh_token"
#: How long the browser has to come back (the AWS CLI allows 10 minutes).
BROWSER_TIME_LIMIT_S = 600.0


def _open_in_browser(url: str) -> bool:
    return webbrowser.open_new_tab(url)


def _say_nothing(_: str) -> None:
    return None


def _never() -> bool:
    return False


def _nothing() -> None:
    return None


@dataclass
class SignInUi:
    """How a sign-in reaches the user: `open_browser(url)` opens a page (webbrowser by
    default; injectable for tests and the demo), `tell(text)` shows what to do — the
    address to open, the device code. Neither is ever given a token. `cancelled()` is
    asked while waiting for the person (True: give up, as a GUI's Cancel says) and `done()`
    is called once an interactive sign-in ended, however it ended (a GUI closes its dialog).
    `offers_code()` is called as a browser sign-in starts (before its `tell`): a GUI may
    offer the device code instead; `use_code()` is asked when that browser sign-in was
    cancelled — True: the person chose the code (no browser, a remote desktop), and the
    device-code sign-in follows at once, opening no browser.
    """

    open_browser: Callable[[str], object] = _open_in_browser
    tell: Callable[[str], None] = _say_nothing
    cancelled: Callable[[], bool] = _never
    done: Callable[[], None] = _nothing
    offers_code: Callable[[], None] = _nothing
    use_code: Callable[[], bool] = _never


@dataclass
class _SessionLocks:
    guard: threading.Lock = field(default_factory=threading.Lock)
    locks: dict[str, threading.Lock] = field(default_factory=dict)

    def of(self, session: SsoSession) -> threading.Lock:
        with self.guard:
            return self.locks.setdefault(session.cache_key, threading.Lock())


class SsoSignIn:
    """Tokens for SSO sessions, shared with the AWS CLI through `cache_dir`."""

    def __init__(
        self,
        clients: AwsClients,
        cache_dir: Path,
        clock: Callable[[], datetime],
        ui: SignInUi | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        browser_time_limit: float = BROWSER_TIME_LIMIT_S,
        refresh_window: timedelta = REFRESH_WINDOW,
    ) -> None:
        self._clients = clients
        self._cache_dir = cache_dir
        self._clock = clock
        self.ui = ui or SignInUi()
        self._sleep = sleep
        self._browser_time_limit = browser_time_limit
        self._refresh_window = refresh_window
        self._locks = _SessionLocks()

    def cached(self, session: SsoSession) -> SsoToken | None:
        """The token in the cache as it is (None: none, or unusable)."""
        return read_token(self._cache_dir, session)

    def token(
        self, session: SsoSession, *, interactive: bool = False, device_code: bool = False
    ) -> SsoToken:
        """A token with more than the refresh window left if at all possible (see the
        module docstring). Raises SsoLoginRequiredError (not interactive) or
        SsoSignInError (the sign-in failed)."""
        cached = self.cached(session)
        if cached is not None and self._fresh(cached):
            return cached
        with self._locked(session):
            cached = self.cached(session)
            if cached is not None and self._fresh(cached):
                return cached  # someone signed in or refreshed while we waited
            refreshed = self._refreshed(session, cached)
            if refreshed is not None:
                return refreshed
            if interactive:
                return self._signed_in(session, device_code=device_code)
            if cached is not None and cached.expires_at > self._clock():
                return cached
            raise login_required(session)

    def sign_in(self, session: SsoSession, *, device_code: bool = False) -> SsoToken:
        """A new sign-in even if a token is cached (`ssmgui login`, the bar's "Sign in").
        One at a time: a caller that waited while another sign-in finished takes its
        token instead of opening a second browser tab."""
        before = self.cached(session)
        with self._locked(session):
            now = self.cached(session)
            if now is not None and now != before and self._fresh(now):
                return now
            return self._signed_in(session, device_code=device_code)

    def _fresh(self, token: SsoToken) -> bool:
        return token.expires_at - self._clock() > self._refresh_window

    def _locked(self, session: SsoSession) -> _Held:
        return _Held(self._locks.of(session), session, self._browser_time_limit + 60)

    def _refreshed(self, session: SsoSession, cached: SsoToken | None) -> SsoToken | None:
        if cached is None or not cached.can_refresh(self._clock()):
            return None
        assert cached.registration is not None and cached.refresh_token is not None
        try:
            token = self._calls(session).token(
                cached.registration, REFRESH_GRANT, refreshToken=cached.refresh_token
            )
        except OidcRefusalError:  # revoked, used up or expired: only a sign-in helps
            return None
        if token.refresh_token is None:  # the service kept the old one
            token = replace(token, refresh_token=cached.refresh_token)
        write_token(self._cache_dir, session, token)
        return token

    def _signed_in(self, session: SsoSession, *, device_code: bool) -> SsoToken:
        try:
            token = self._interactive(session, device_code=device_code)
        finally:
            self.ui.done()
        write_token(self._cache_dir, session, token)
        return token

    def _interactive(self, session: SsoSession, *, device_code: bool) -> SsoToken:
        calls = self._calls(session)
        if device_code or session.name is None:  # legacy profiles: device code only, as aws
            return device_sign_in(
                calls,
                session,
                self.ui.tell,
                self.ui.open_browser,
                sleep=self._sleep,
                clock=self._clock,
                cancelled=self.ui.cancelled,
            )
        self.ui.offers_code()
        try:
            return browser_sign_in(
                calls,
                session,
                self.ui.tell,
                self.ui.open_browser,
                time_limit=self._browser_time_limit,
                cancelled=self.ui.cancelled,
            )
        except SsoSignInError:
            if not self.ui.use_code():
                raise
        return device_sign_in(
            calls,
            session,
            self.ui.tell,
            None,  # the person chose the code: no browser here
            sleep=self._sleep,
            clock=self._clock,
            cancelled=self.ui.cancelled,
        )

    def _calls(self, session: SsoSession) -> OidcCalls:
        return OidcCalls(self._clients.sso_oidc(session.region), session.label, self._clock)


def login_required(session: SsoSession) -> SsoLoginRequiredError:
    """The error for a session whose sign-in has ended and cannot be renewed silently."""
    option = f"--sso-session {session.name}" if session.name else f"--profile {session.label}"
    return SsoLoginRequiredError(
        f"The IAM Identity Center (SSO) sign-in '{session.label}' is missing or has ended. "
        f"Run: ssmgui login {session.label}   (or: aws sso login {option})",
        session.label,
    )


class _Held:
    """The session's lock, held for a `with` block; waiting for it has a time limit."""

    def __init__(self, lock: threading.Lock, session: SsoSession, limit: float) -> None:
        self._lock, self._session, self._limit = lock, session, limit

    def __enter__(self) -> None:
        if not self._lock.acquire(timeout=self._limit):
            raise SsoSignInError(
                f"Another sign-in to '{self._session.label}' is still under way. Finish it "
                "in the browser, or try again in a few minutes."
            )

    def __exit__(self, *_: object) -> None:
        self._lock.release()
