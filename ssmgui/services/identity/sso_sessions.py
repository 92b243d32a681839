"""Which IAM Identity Center sign-in a name means: an `[sso-session NAME]` section, or a
profile that uses one (`sso_session = NAME`) or the legacy keys (`sso_start_url`,
`sso_region` in the profile itself), all read from the AWS config file with botocore's
own parser.

The token of an sso-session lives in `<cache>/<sha1 of the session name>.json`, a legacy
profile's in `<cache>/<sha1 of the start URL>.json` (botocore's SSOTokenLoader); both are
shared with the AWS CLI.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from botocore import configloader
from botocore.exceptions import ConfigNotFound, ConfigParseError

from ssmgui.core.errors import ConfigurationError

#: The scope `aws sso login` asks for when a browser sign-in names none.
DEFAULT_SCOPE = "sso:account:access"


@dataclass(frozen=True)
class SsoSession:
    """One sign-in: `name` None for a legacy profile (no refresh tokens there), whose
    name is then `profile`."""

    name: str | None
    start_url: str
    region: str
    scopes: tuple[str, ...] = ()
    profile: str | None = None

    @property
    def label(self) -> str:
        """What the user calls it: the sso-session's name, or the legacy profile's."""
        return self.name or self.profile or self.start_url

    @property
    def cache_key(self) -> str:
        """The token file's name without `.json`, as botocore and the AWS CLI name it."""
        return hashlib.sha1((self.name or self.start_url).encode("utf-8")).hexdigest()  # noqa: S324  # their name


class NotSsoError(ConfigurationError):
    """The name is no sso-session and no profile that signs in with IAM Identity Center."""


def find_sso_session(config_file: Path, name: str) -> SsoSession:
    """The sign-in `name` means in `config_file`: an sso-session of that name first, else
    the profile's. Raises ConfigurationError saying what to write or run."""
    try:
        built = configloader.build_profile_map(configloader.raw_config_parse(str(config_file)))
    except ConfigNotFound:
        raise NotSsoError(
            f"There is no AWS config file at {config_file}. Run: aws configure sso"
        ) from None
    except (ConfigParseError, OSError) as exc:
        raise ConfigurationError(f"{config_file} cannot be read: {exc}") from None
    sessions: dict[str, dict[str, str]] = built.get("sso_sessions", {})
    if name in sessions:
        return _from_section(name, sessions[name], config_file)
    profile = built.get("profiles", {}).get(name)
    if profile is None:
        raise NotSsoError(
            f"'{name}' is neither an [sso-session {name}] nor a profile in {config_file}. "
            "Run: aws configure sso"
        )
    session_name = profile.get("sso_session")
    if session_name:
        if session_name not in sessions:
            raise ConfigurationError(
                f"Profile '{name}' names sso_session '{session_name}', but {config_file} has "
                f"no [sso-session {session_name}] section. Run: aws configure sso"
            )
        return _from_section(session_name, sessions[session_name], config_file)
    if profile.get("sso_start_url"):
        return _legacy(name, profile, config_file)
    raise NotSsoError(
        f"Profile '{name}' does not sign in with IAM Identity Center (SSO): it has no "
        "sso_session or sso_start_url."
    )


def _from_section(name: str, section: dict[str, str], config_file: Path) -> SsoSession:
    start_url, region = section.get("sso_start_url"), section.get("sso_region")
    if not start_url or not region:
        raise ConfigurationError(
            f"[sso-session {name}] in {config_file} needs sso_start_url and sso_region. "
            "Run: aws configure sso-session"
        )
    raw = section.get("sso_registration_scopes", "")
    scopes = tuple(scope.strip() for scope in raw.split(",") if scope.strip())
    return SsoSession(name, start_url.strip(), region.strip(), scopes)


def _legacy(profile: str, section: dict[str, str], config_file: Path) -> SsoSession:
    start_url, region = section.get("sso_start_url"), section.get("sso_region")
    if not start_url or not region:
        raise ConfigurationError(
            f"Profile '{profile}' in {config_file} needs sso_start_url and sso_region. "
            "Run: aws configure sso"
        )
    return SsoSession(None, start_url.strip(), region.strip(), profile=profile)
