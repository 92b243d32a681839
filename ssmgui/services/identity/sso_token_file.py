"""The SSO token file the AWS CLI v2 and botocore share, read and written in their format.

`<cache>/<SsoSession.cache_key>.json` holds one JSON object:
`startUrl`, `region`, `accessToken`, `expiresAt` ("YYYY-MM-DDTHH:MM:SSZ", UTC), and when a
client registration made it: `clientId`, `clientSecret`, `registrationExpiresAt`, and
`refreshToken` when the service issued one. botocore's SSOTokenProvider refreshes from
exactly these keys and rewrites the file the same way, so `aws`, botocore and ssmgui read
each other's sign-ins. The file is replaced at once (never half-written) and private to
its owner; it is read through `sso.py`'s checked cache (a regular, small JSON object).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from botocore.exceptions import SSOTokenLoadError
from botocore.utils import SSOTokenLoader

from ssmgui.services.identity.sso import DamagedTokenError, _parse_time, _TokenCache
from ssmgui.services.identity.sso_sessions import SsoSession
from ssmgui.services.private_paths import private_directory, write_privately

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Registration:
    """An OIDC client registration (RegisterClient's answer)."""

    client_id: str
    client_secret: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class SsoToken:
    """A signed-in session's token; `repr` never shows a secret."""

    access_token: str = field(repr=False)
    expires_at: datetime
    registration: Registration | None = None
    refresh_token: str | None = field(default=None, repr=False)

    def can_refresh(self, now: datetime) -> bool:
        """A refresh token and a registration still valid to use it with."""
        return bool(self.refresh_token) and (
            self.registration is not None and self.registration.expires_at > now
        )


def read_token(cache_dir: Path, session: SsoSession) -> SsoToken | None:
    """The cached token (None: none there, or one that cannot be used)."""
    loader = SSOTokenLoader(_TokenCache(cache_dir))
    try:
        data = loader(session.start_url, session.name)
    except (SSOTokenLoadError, DamagedTokenError):
        return None
    try:
        return _token_from(data)
    except (KeyError, TypeError, ValueError):
        return None


def write_token(cache_dir: Path, session: SsoSession, token: SsoToken) -> Path:
    """Replace the session's token file with `token`; returns its path."""
    data: dict[str, str] = {
        "startUrl": session.start_url,
        "region": session.region,
        "accessToken": token.access_token,
        "expiresAt": _text(token.expires_at),
    }
    if token.registration is not None:
        data["clientId"] = token.registration.client_id
        data["clientSecret"] = token.registration.client_secret
        data["registrationExpiresAt"] = _text(token.registration.expires_at)
    if token.refresh_token:
        data["refreshToken"] = token.refresh_token
    path = private_directory(cache_dir) / f"{session.cache_key}.json"
    write_privately(path, json.dumps(data))
    return path


def _token_from(data: object) -> SsoToken:
    if not isinstance(data, dict):
        raise TypeError("not an object")
    registration = None
    if all(isinstance(data.get(key), str) for key in _REGISTRATION_KEYS):
        registration = Registration(
            data["clientId"],
            data["clientSecret"],
            _parse_time(data["registrationExpiresAt"]).astimezone(UTC),
        )
    refresh = data.get("refreshToken")
    return SsoToken(
        access_token=str(data["accessToken"]),
        expires_at=_parse_time(str(data["expiresAt"])).astimezone(UTC),
        registration=registration,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
    )


_REGISTRATION_KEYS = ("clientId", "clientSecret", "registrationExpiresAt")


def _text(when: datetime) -> str:
    return when.astimezone(UTC).strftime(_TIME_FORMAT)
