"""The fake SSO OIDC service's state: registered clients, device and browser sign-ins,
access and refresh tokens. Pure logic; `server.py` puts it on HTTP.

Rules, as IAM Identity Center applies them (and RFC 6749 / 7636 / 8628 / 8252 say):
- `register_client` gives a client id and secret valid `REGISTRATION_LIFETIME`; a client
  that asks for the `authorization_code` grant must give loopback redirect URIs.
- A refresh token is issued only to a client registered with scopes (the AWS CLI's
  `sso_registration_scopes`) and, for browser clients, the `refresh_token` grant.
- Device codes: `authorization_pending` until approved, `slow_down` when polled sooner than
  `device_interval` after the previous poll, `expired_token` after `device_lifetime`,
  `access_denied` once the user says no.
- Authorization codes: single use, for the client, redirect URI and PKCE challenge they
  were made for; the S256 verifier is checked for real.
- Refresh tokens rotate: each use gives a new one and the old one stops working.
- With `session_lifetime`, a sign-in lasts that long: tokens refreshed from it expire at
  its end at the latest, and its refresh token is refused afterwards (the portal's session
  duration), so only a new sign-in helps.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CODE_GRANT = "authorization_code"
REFRESH_GRANT = "refresh_token"
REGISTRATION_LIFETIME = timedelta(days=90)
CODE_LIFETIME = timedelta(minutes=5)
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


class OidcError(Exception):
    """An OIDC error answer: `kind` is the exception type botocore maps (e.g.
    AuthorizationPendingException), `code` the OAuth error (authorization_pending)."""

    def __init__(self, kind: str, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.kind, self.code, self.description, self.status = kind, code, description, status


@dataclass
class Client:
    client_id: str
    secret: str = field(repr=False)
    expires: datetime
    scopes: tuple[str, ...]
    grant_types: tuple[str, ...]
    redirect_uris: tuple[str, ...]

    def issues_refresh_tokens(self) -> bool:
        if not self.scopes:
            return False
        return not self.grant_types or REFRESH_GRANT in self.grant_types


@dataclass
class DeviceSignIn:
    client_id: str
    device_code: str = field(repr=False)
    user_code: str
    expires: datetime
    interval: int
    last_poll: datetime | None = None
    decision: bool | None = None  # True approved, False denied, None pending


@dataclass(frozen=True)
class BrowserSignIn:
    """What an authorization code stands for."""

    client_id: str
    redirect_uri: str
    challenge: str
    scopes: tuple[str, ...]
    expires: datetime


@dataclass(frozen=True)
class Token:
    client_id: str
    expires: datetime


class OidcState:
    """Everything the fake OIDC service knows. `clock` is the service's time."""

    def __init__(
        self,
        start_url: str,
        clock: Callable[[], datetime],
        *,
        token_lifetime: timedelta = timedelta(hours=8),
        device_lifetime: timedelta = timedelta(minutes=10),
        device_interval: int = 1,
        session_lifetime: timedelta | None = None,
    ) -> None:
        self.start_url = start_url
        self.session_lifetime = session_lifetime
        self.session_ends: dict[str, datetime] = {}  # refresh token → its sign-in's end
        self.clock = clock
        self.token_lifetime = token_lifetime
        self.device_lifetime = device_lifetime
        self.device_interval = device_interval
        self.enforced_interval: int | None = None  # stricter than advertised (slow_down)
        self.clients: dict[str, Client] = {}
        self.devices: dict[str, DeviceSignIn] = {}  # by device code
        self.codes: dict[str, BrowserSignIn] = {}
        self.access_tokens: dict[str, Token] = {}
        self.refresh_tokens: dict[str, str] = {}  # refresh token → client id
        self.grants: dict[str, int] = {}  # CreateToken successes by grant type

    # --- RegisterClient -----------------------------------------------------------------

    def register_client(self, body: Mapping[str, object]) -> dict[str, object]:
        name, kind = body.get("clientName"), body.get("clientType")
        if not isinstance(name, str) or not name or kind != "public":
            raise _invalid("clientName and clientType 'public' are required")
        grants = _strings(body.get("grantTypes"))
        for grant in grants:
            if grant not in (CODE_GRANT, REFRESH_GRANT, DEVICE_GRANT):
                raise OidcError("UnsupportedGrantTypeException", "unsupported_grant_type", grant)
        redirects = _strings(body.get("redirectUris"))
        if CODE_GRANT in grants and not redirects:
            raise OidcError("InvalidRedirectUriException", "invalid_redirect_uri", "none given")
        for uri in redirects:
            if not _is_loopback(uri):
                raise OidcError("InvalidRedirectUriException", "invalid_redirect_uri", uri)
        now = self.clock()
        client = Client(
            client_id=_token(22),
            secret=_token(300),
            expires=now + REGISTRATION_LIFETIME,
            scopes=_strings(body.get("scopes")),
            grant_types=grants,
            redirect_uris=redirects,
        )
        self.clients[client.client_id] = client
        return {
            "clientId": client.client_id,
            "clientSecret": client.secret,
            "clientIdIssuedAt": int(now.timestamp()),
            "clientSecretExpiresAt": int(client.expires.timestamp()),
        }

    # --- StartDeviceAuthorization --------------------------------------------------------

    def start_device_authorization(self, body: Mapping[str, object], url: str) -> dict[str, object]:
        client = self._client(body)
        if body.get("startUrl") != self.start_url:
            raise _invalid("startUrl is not this organisation's portal")
        user_code = f"{_letters(4)}-{_letters(4)}"
        device = DeviceSignIn(
            client_id=client.client_id,
            device_code=_token(40),
            user_code=user_code,
            expires=self.clock() + self.device_lifetime,
            interval=self.device_interval,
        )
        self.devices[device.device_code] = device
        return {
            "deviceCode": device.device_code,
            "userCode": user_code,
            "verificationUri": f"{url}/device",
            "verificationUriComplete": f"{url}/device?user_code={user_code}",
            "expiresIn": int(self.device_lifetime.total_seconds()),
            "interval": device.interval,
        }

    def decide_device(self, user_code: str, approve: bool) -> bool:
        """The user's answer on the device page; False for a code that is not pending."""
        for device in self.devices.values():
            if device.user_code == user_code.upper() and device.decision is None:
                if device.expires <= self.clock():
                    return False
                device.decision = approve
                return True
        return False

    # --- the authorize endpoint ----------------------------------------------------------

    def check_client_redirect(self, client_id: str, redirect_uri: str) -> Client:
        """The client and redirect URI of an authorize request, before anything is
        redirected there (an unchecked redirect_uri would be an open redirector)."""
        client = self.clients.get(client_id)
        if client is None or client.expires <= self.clock() or CODE_GRANT not in client.grant_types:
            raise _invalid("unknown client_id or not a browser sign-in client")
        if not any(_same_loopback_uri(redirect_uri, known) for known in client.redirect_uris):
            raise OidcError("InvalidRedirectUriException", "invalid_redirect_uri", redirect_uri)
        return client

    def issue_code(self, client: Client, query: Mapping[str, str]) -> str:
        """An authorization code for a checked client; raises for a bad request."""
        if query.get("response_type") != "code":
            raise _invalid("response_type must be code")
        if not query.get("state"):
            raise _invalid("state is required")
        challenge = query.get("code_challenge", "")
        if query.get("code_challenge_method") != "S256" or not re.fullmatch(
            r"[A-Za-z0-9_-]{43}", challenge
        ):
            raise _invalid("a code_challenge with code_challenge_method S256 is required")
        scopes = tuple(query.get("scopes", "").split())
        if not set(scopes) <= set(client.scopes):
            raise OidcError("InvalidScopeException", "invalid_scope", " ".join(scopes))
        code = _token(32)
        self.codes[code] = BrowserSignIn(
            client.client_id,
            query["redirect_uri"],
            challenge,
            scopes,
            self.clock() + CODE_LIFETIME,
        )
        return code

    # --- CreateToken ---------------------------------------------------------------------

    def create_token(self, body: Mapping[str, object]) -> dict[str, object]:
        client = self._client(body)
        grant = body.get("grantType")
        ends = self._new_session_end()
        if grant == DEVICE_GRANT:
            self._device_grant(client, str(body.get("deviceCode", "")))
        elif grant == CODE_GRANT:
            self._code_grant(client, body)
        elif grant == REFRESH_GRANT:
            ends = self._refresh_grant(client, str(body.get("refreshToken", "")))
        else:
            raise OidcError("UnsupportedGrantTypeException", "unsupported_grant_type", str(grant))
        self.grants[str(grant)] = self.grants.get(str(grant), 0) + 1
        return self._tokens(client, ends)

    def _new_session_end(self) -> datetime | None:
        return None if self.session_lifetime is None else self.clock() + self.session_lifetime

    def _device_grant(self, client: Client, device_code: str) -> None:
        device = self.devices.get(device_code)
        if device is None or device.client_id != client.client_id:
            raise OidcError("InvalidGrantException", "invalid_grant", "unknown device code")
        now = self.clock()
        if device.expires <= now:
            raise OidcError("ExpiredTokenException", "expired_token", "device code expired")
        if device.decision is False:
            del self.devices[device_code]
            raise OidcError("AccessDeniedException", "access_denied", "the user said no")
        if device.decision is None:
            interval = self.enforced_interval or device.interval
            too_soon = device.last_poll and now - device.last_poll < timedelta(seconds=interval)
            device.last_poll = now
            if too_soon:
                raise OidcError("SlowDownException", "slow_down", "polling too fast")
            raise OidcError("AuthorizationPendingException", "authorization_pending", "pending")
        del self.devices[device_code]

    def _code_grant(self, client: Client, body: Mapping[str, object]) -> None:
        sign_in = self.codes.pop(str(body.get("code", "")), None)  # single use
        if sign_in is None or sign_in.client_id != client.client_id:
            raise OidcError("InvalidGrantException", "invalid_grant", "unknown or used code")
        if sign_in.expires <= self.clock():
            raise OidcError("InvalidGrantException", "invalid_grant", "code expired")
        if body.get("redirectUri") != sign_in.redirect_uri:
            raise OidcError("InvalidGrantException", "invalid_grant", "redirectUri differs")
        verifier = body.get("codeVerifier")
        if not isinstance(verifier, str) or not _VERIFIER.fullmatch(verifier):
            raise OidcError("InvalidGrantException", "invalid_grant", "codeVerifier malformed")
        if s256(verifier) != sign_in.challenge:
            raise OidcError("InvalidGrantException", "invalid_grant", "codeVerifier is wrong")

    def _refresh_grant(self, client: Client, refresh_token: str) -> datetime | None:
        """The end of the sign-in `refresh_token` belongs to (None: no end)."""
        owner = self.refresh_tokens.pop(refresh_token, None)  # rotation: used up here
        ends = self.session_ends.pop(refresh_token, None)
        if owner != client.client_id:
            raise OidcError("InvalidGrantException", "invalid_grant", "unknown refresh token")
        if ends is not None and ends <= self.clock():
            raise OidcError("InvalidGrantException", "invalid_grant", "the session has ended")
        return ends

    def _tokens(self, client: Client, ends: datetime | None = None) -> dict[str, object]:
        access = _token(300)
        now = self.clock()
        expires = now + self.token_lifetime
        if ends is not None:  # never past the sign-in's end
            expires = min(ends, expires)
        self.access_tokens[access] = Token(client.client_id, expires)
        answer: dict[str, object] = {
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": max(1, int((expires - now).total_seconds())),
        }
        if client.issues_refresh_tokens():
            refresh = _token(300)
            self.refresh_tokens[refresh] = client.client_id
            if ends is not None:
                self.session_ends[refresh] = ends
            answer["refreshToken"] = refresh
        return answer

    def valid_access_token(self, token: str) -> bool:
        known = self.access_tokens.get(token)
        return known is not None and known.expires > self.clock()

    def _client(self, body: Mapping[str, object]) -> Client:
        client = self.clients.get(str(body.get("clientId", "")))
        if client is None or not secrets.compare_digest(
            client.secret, str(body.get("clientSecret", ""))
        ):
            raise OidcError("InvalidClientException", "invalid_client", "unknown client", 401)
        if client.expires <= self.clock():
            raise OidcError("InvalidClientException", "invalid_client", "registration expired", 401)
        return client


def s256(verifier: str) -> str:
    """RFC 7636's S256 code challenge of `verifier`."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _invalid(description: str) -> OidcError:
    return OidcError("InvalidRequestException", "invalid_request", description)


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return tuple(str(item) for item in value)
    return ()


def _is_loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname == "127.0.0.1"


def _same_loopback_uri(given: str, registered: str) -> bool:
    """RFC 8252 §7.3: a loopback redirect matches whatever port the client listens on."""
    a, b = urlsplit(given), urlsplit(registered)
    return _is_loopback(given) and (a.scheme, a.hostname, a.path) == (b.scheme, b.hostname, b.path)


def _token(size: int) -> str:
    return secrets.token_urlsafe(size)[:size]


def _letters(count: int) -> str:
    return "".join(secrets.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(count))
