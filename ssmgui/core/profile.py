"""AWS profiles as plain data: what kind each one is, and how its credentials chain.

Parsing the files is `ssmgui.services.identity.profiles`' job; this module holds the result and the
pure rules on it (which profile's keys an MFA session belongs to, `source_profile` loops).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from ssmgui.core.errors import ConfigurationError

#: The pseudo-profile for credentials in `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
ENVIRONMENT_PROFILE = "(environment)"


class ProfileKind(enum.Enum):
    """Where a profile's credentials come from."""

    STATIC = "static keys"
    STATIC_MFA = "static keys + MFA"
    ASSUME_ROLE = "assume role"
    SSO = "IAM Identity Center (SSO)"
    #: `login_session` (`aws login`): botocore reads and renews its cached sign-in.
    LOGIN = "aws login"
    CREDENTIAL_PROCESS = "credential_process"
    ENVIRONMENT = "environment variables"
    #: No credentials of its own, in an environment offering container credentials
    #: (AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI): botocore fetches them.
    CONTAINER = "container credentials"
    NO_CREDENTIALS = "no credentials"


@dataclass(frozen=True)
class SsoSettings:
    """The SSO part of a profile: `sso_session` (new style) or the legacy keys."""

    start_url: str
    sso_region: str
    account_id: str | None
    role_name: str | None
    session_name: str | None = None  # None for the legacy (pre-sso_session) layout


@dataclass(frozen=True)
class Profile:
    """One AWS profile, merged from ~/.aws/config and ~/.aws/credentials.

    `access_key_id` is the public half of static keys (used to notice rotated keys); the
    secret half is never read into this object.
    """

    name: str
    kind: ProfileKind
    region: str | None = None
    regions: tuple[str, ...] = ()
    access_key_id: str | None = None
    mfa_serial: str | None = None
    role_arn: str | None = None
    source_profile: str | None = None
    credential_source: str | None = None
    external_id: str | None = None
    role_session_name: str | None = None
    duration_seconds: int | None = None
    sso: SsoSettings | None = None
    #: Why this profile cannot be used (a broken section), or None when it looks usable.
    problem: str | None = None

    @property
    def chosen_regions(self) -> tuple[str, ...]:
        """The user's regions for this profile: `ssmgui_regions`, else the default region."""
        if self.regions:
            return self.regions
        return (self.region,) if self.region else ()


def role_chain(profiles: Mapping[str, Profile], name: str) -> tuple[Profile, ...]:
    """The profiles from `name` back to the one holding base credentials, target first.

    For `role -> middle -> keys` this returns `(role, middle, keys)`. A role profile that
    names itself as `source_profile` and holds static keys ends the chain (botocore allows it).
    Raises `ConfigurationError` for an unknown profile, a missing `source_profile`, or a loop.
    """
    chain: list[Profile] = []
    seen: set[str] = set()
    current = _lookup(profiles, name, referenced_by=None)
    while True:
        if current.problem:
            raise ConfigurationError(current.problem)
        chain.append(current)
        seen.add(current.name)
        source = current.source_profile
        if current.kind is not ProfileKind.ASSUME_ROLE or source is None:
            return tuple(chain)
        if source == current.name and current.access_key_id is not None:
            return (*chain, _as_static(current))
        if source in seen:
            loop = " -> ".join([*(p.name for p in chain), source])
            raise ConfigurationError(
                f"Profile '{name}' has a source_profile loop ({loop}). "
                "Point one of them at a profile with keys, SSO or credential_process."
            )
        current = _lookup(profiles, source, referenced_by=current.name)


def mfa_serial_for(chain: tuple[Profile, ...]) -> str | None:
    """The MFA device the chain needs: the nearest `mfa_serial`, target side first."""
    for profile in chain:
        if profile.mfa_serial:
            return profile.mfa_serial
    return None


def _lookup(profiles: Mapping[str, Profile], name: str, referenced_by: str | None) -> Profile:
    try:
        return profiles[name]
    except KeyError:
        known = ", ".join(sorted(profiles)) or "none"
        where = f" (source_profile of '{referenced_by}')" if referenced_by else ""
        raise ConfigurationError(
            f"There is no AWS profile named '{name}'{where}. Known profiles: {known}. "
            "Add it to ~/.aws/config or check AWS_CONFIG_FILE."
        ) from None


def _as_static(profile: Profile) -> Profile:
    """The static-keys half of a role profile that is its own source."""
    kind = ProfileKind.STATIC_MFA if profile.mfa_serial else ProfileKind.STATIC
    return Profile(
        name=profile.name,
        kind=kind,
        region=profile.region,
        regions=profile.regions,
        access_key_id=profile.access_key_id,
        mfa_serial=profile.mfa_serial,
    )
