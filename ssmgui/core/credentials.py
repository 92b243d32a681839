"""Temporary AWS credentials: expiry math and the one serialised form kept in the keyring.

The secret half (`secret_access_key`, `session_token`) never appears in `repr()`; callers
must not log `to_json()` output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ssmgui.core.errors import ConfigurationError, MfaError

MIN_SESSION_SECONDS = 900
MAX_SESSION_SECONDS = 129_600
DEFAULT_SESSION_SECONDS = 43_200
DEFAULT_WARN_BEFORE = timedelta(minutes=10)

_MFA_CODE = re.compile(r"[0-9]{6}")  # ASCII only: \d would accept other scripts
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class IdentitySettings:
    """The identity part of the user's settings.

    `session_seconds` is the MFA session duration asked of `sts.get_session_token`;
    `warn_before` is how long before any expiry the warning fires.
    """

    session_seconds: int = DEFAULT_SESSION_SECONDS
    warn_before: timedelta = DEFAULT_WARN_BEFORE

    def __post_init__(self) -> None:
        if not MIN_SESSION_SECONDS <= self.session_seconds <= MAX_SESSION_SECONDS:
            raise ConfigurationError(
                f"MFA session duration must be {MIN_SESSION_SECONDS}-{MAX_SESSION_SECONDS} "
                f"seconds (15 min to 36 h), not {self.session_seconds}."
            )
        if self.warn_before < timedelta(0):
            raise ConfigurationError("The expiry warning cannot be set to a negative time.")


@dataclass(frozen=True)
class TemporaryCredentials:
    """STS credentials with their expiry (timezone-aware, UTC).

    `source_key_id` is the access key id the session was made from (None when not from
    static keys): a session made from rotated keys is discarded.
    """

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
    source_key_id: str | None = None

    def __post_init__(self) -> None:
        if self.expiration.tzinfo is None:
            raise ValueError("expiration must be timezone-aware")

    def remaining(self, now: datetime) -> timedelta:
        """Time left at `now` (negative once expired)."""
        return self.expiration - now

    def is_valid(self, now: datetime, margin: timedelta = timedelta(0)) -> bool:
        """True while more than `margin` is left at `now`."""
        return self.remaining(now) > margin

    def to_json(self) -> str:
        """The keyring form. Contains the secret: store it, never log it."""
        return json.dumps(
            {
                "v": _FORMAT_VERSION,
                "AccessKeyId": self.access_key_id,
                "SecretAccessKey": self.secret_access_key,
                "SessionToken": self.session_token,
                "Expiration": self.expiration.astimezone(UTC).isoformat(),
                "SourceKeyId": self.source_key_id,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> TemporaryCredentials:
        """Parse `to_json()` output; raises ValueError (without the text) if it is not that."""
        try:
            data = json.loads(text)
            if data.get("v") != _FORMAT_VERSION:
                raise ValueError("unknown format version")
            return cls(
                access_key_id=str(data["AccessKeyId"]),
                secret_access_key=str(data["SecretAccessKey"]),
                session_token=str(data["SessionToken"]),
                expiration=datetime.fromisoformat(data["Expiration"]),
                source_key_id=data.get("SourceKeyId"),
            )
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not stored credentials ({type(exc).__name__})") from None


def normalise_mfa_code(raw: str) -> str:
    """The 6-digit code from what a person typed (spaces allowed); MfaError otherwise."""
    code = "".join(raw.split())
    if not _MFA_CODE.fullmatch(code):
        raise MfaError("An MFA code is the 6 digits your authenticator app shows now. Try again.")
    return code


def warning_due(expires_at: datetime | None, now: datetime, warn_before: timedelta) -> bool:
    """True when `expires_at` is within `warn_before` of `now` (or past)."""
    return expires_at is not None and expires_at - now <= warn_before


@dataclass(frozen=True)
class MfaRequest:
    """What an MFA prompt shows: whose code is asked for, and why again if it is a retry."""

    profile_name: str
    source_profile: str
    serial_number: str
    attempt: int = 1
    problem: str | None = None


@dataclass(frozen=True)
class CallerIdentity:
    """Who a profile signs in as, until when, and where its credentials are kept."""

    profile_name: str
    account: str
    arn: str
    expires_at: datetime | None
    kept_in: str
