"""Profiles and regions from ~/.aws/config and ~/.aws/credentials.

Honours `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` like the AWS CLI. A missing file
is an empty file; a malformed one is a `ConfigurationError` naming the file and line — never
the line's text, which could hold a secret key.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.profile import ENVIRONMENT_PROFILE, Profile, ProfileKind, SsoSettings
from ssmgui.services.aws.regions import checked_region

Section = Mapping[str, str]

#: Our own key in a profile section: the regions ssmgui lists for it (botocore ignores it).
REGIONS_KEY = "ssmgui_regions"


@dataclass(frozen=True)
class AwsFiles:
    """The two shared files as paths (either may not exist)."""

    config: Path
    credentials: Path

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> AwsFiles:
        """The paths the AWS CLI would use with `env` (default: os.environ)."""
        env = os.environ if env is None else env
        home = Path(env.get("HOME") or Path.home())
        config = env.get("AWS_CONFIG_FILE") or str(home / ".aws" / "config")
        creds = env.get("AWS_SHARED_CREDENTIALS_FILE") or str(home / ".aws" / "credentials")
        return cls(_expand(config, home), _expand(creds, home))


class ProfileCache:
    """The profiles of `files`, parsed again only when either file has changed.

    Calling the cache returns the same read-only mapping until a file's identity, size or
    modification time changes (or it appears or disappears); then both files are read anew.
    Every credentials lookup asks for the profiles, so with thousands of profiles reading
    the files each time made start-up quadratic. `env` is read when the files are.
    """

    def __init__(self, files: AwsFiles, env: Mapping[str, str] | None = None) -> None:
        self._files = files
        self._env = env
        self._signature: tuple[object, ...] | None = None
        self._profiles: Mapping[str, Profile] = MappingProxyType({})

    def __call__(self) -> Mapping[str, Profile]:
        signature = (_file_signature(self._files.config), _file_signature(self._files.credentials))
        if signature != self._signature:
            # A failed read leaves the signature unset, so the next call tries again.
            self._profiles = MappingProxyType(load_profiles(self._files, self._env))
            self._signature = signature
        return self._profiles


def _file_signature(path: Path) -> tuple[int, ...] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


def load_profiles(files: AwsFiles, env: Mapping[str, str] | None = None) -> dict[str, Profile]:
    """Every profile in `files`, by name, plus `(environment)` when env holds keys."""
    env = os.environ if env is None else env
    config = _read_ini(files.config)
    credentials = _read_ini(files.credentials)
    sso_sessions = {
        name.removeprefix("sso-session ").strip(): section
        for name, section in config.items()
        if name.startswith("sso-session ")
    }
    merged: dict[str, dict[str, str]] = {}
    for section_name, section in config.items():
        profile_name = _config_profile_name(section_name)
        if profile_name is not None:
            merged.setdefault(profile_name, {}).update(section)
    for profile_name, section in credentials.items():
        # The credentials file wins for keys present in both, as in botocore.
        merged.setdefault(profile_name, {}).update(section)
    profiles = {
        name: _build_profile(name, section, files, sso_sessions) for name, section in merged.items()
    }
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        profiles[ENVIRONMENT_PROFILE] = _environment_profile(env)
    return profiles


def _environment_profile(env: Mapping[str, str]) -> Profile:
    kind, keys = ProfileKind.ENVIRONMENT, env["AWS_ACCESS_KEY_ID"]
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    try:
        checked = checked_region(region, "AWS_REGION / AWS_DEFAULT_REGION") if region else None
    except ConfigurationError as exc:
        return Profile(name=ENVIRONMENT_PROFILE, kind=kind, problem=exc.user_message)
    return Profile(name=ENVIRONMENT_PROFILE, kind=kind, region=checked, access_key_id=keys)


def _expand(path: str, home: Path) -> Path:
    if path == "~" or path.startswith("~/"):
        return home / path[2:]
    return Path(path)


def _config_profile_name(section_name: str) -> str | None:
    if section_name == "default":
        return "default"
    if section_name.startswith("profile "):
        return section_name.removeprefix("profile ").strip()
    return None  # sso-session, services and unknown sections are not profiles


def _read_ini(path: Path) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser()
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        return {}
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None) or _first_error_line(exc)
        where = f" at line {line}" if line else ""
        raise ConfigurationError(
            f"{path} cannot be read{where}: {type(exc).__name__}. Each section needs a "
            "[header] and each setting a 'key = value' line; fix the file or point "
            "AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"{path} cannot be read ({type(exc).__name__}). Check its permissions and that it "
            "is UTF-8 text."
        ) from None
    return {name: dict(parser.items(name)) for name in parser.sections()}


def _first_error_line(exc: configparser.Error) -> int | None:
    errors = getattr(exc, "errors", None)
    if errors:
        lineno: int = errors[0][0]
        return lineno
    return None


def _build_profile(
    name: str, section: Section, files: AwsFiles, sso_sessions: Mapping[str, Section]
) -> Profile:
    """The profile; a broken section still lists, carrying its `problem` for later use."""
    try:
        return _parse_profile(name, section, files, sso_sessions)
    except ConfigurationError as exc:
        return Profile(name=name, kind=_kind(section), problem=exc.user_message)


def _parse_profile(
    name: str, section: Section, files: AwsFiles, sso_sessions: Mapping[str, Section]
) -> Profile:
    return Profile(
        name=name,
        kind=_kind(section),
        region=_region(name, section.get("region")),
        regions=_regions(name, section.get(REGIONS_KEY, "")),
        access_key_id=section.get("aws_access_key_id") or None,
        mfa_serial=section.get("mfa_serial") or None,
        role_arn=section.get("role_arn") or None,
        source_profile=section.get("source_profile") or None,
        credential_source=section.get("credential_source") or None,
        external_id=section.get("external_id") or None,
        role_session_name=section.get("role_session_name") or None,
        duration_seconds=_int_or_none(name, section.get("duration_seconds")),
        sso=_sso_settings(name, section, files, sso_sessions),
    )


def _kind(section: Section) -> ProfileKind:
    if section.get("role_arn"):
        return ProfileKind.ASSUME_ROLE
    if section.get("sso_session") or section.get("sso_start_url"):
        return ProfileKind.SSO
    if section.get("credential_process"):
        return ProfileKind.CREDENTIAL_PROCESS
    if section.get("aws_access_key_id"):
        return ProfileKind.STATIC_MFA if section.get("mfa_serial") else ProfileKind.STATIC
    return ProfileKind.NO_CREDENTIALS


def _region(profile: str, text: str | None) -> str | None:
    if not text:
        return None
    return checked_region(text.strip(), f"profile '{profile}' (region)")


def _regions(profile: str, text: str) -> tuple[str, ...]:
    where = f"profile '{profile}' ({REGIONS_KEY})"
    return tuple(checked_region(part, where) for part in text.replace(",", " ").split())


def _int_or_none(profile: str, text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ConfigurationError(
            f"Profile '{profile}': duration_seconds must be a whole number of seconds."
        ) from None


def _sso_settings(
    name: str, section: Section, files: AwsFiles, sso_sessions: Mapping[str, Section]
) -> SsoSettings | None:
    session_name = section.get("sso_session")
    if session_name:
        session = sso_sessions.get(session_name)
        if session is None:
            raise ConfigurationError(
                f"Profile '{name}' names sso_session '{session_name}', but {files.config} has "
                f"no [sso-session {session_name}] section. Run: aws configure sso"
            )
        source: Section = session
    elif section.get("sso_start_url"):
        source = section
    else:
        return None
    start_url, sso_region = source.get("sso_start_url"), source.get("sso_region")
    if not start_url or not sso_region:
        raise ConfigurationError(
            f"Profile '{name}' is an SSO profile without sso_start_url and sso_region. "
            "Run: aws configure sso"
        )
    return SsoSettings(
        start_url=start_url,
        sso_region=sso_region,
        account_id=section.get("sso_account_id"),
        role_name=section.get("sso_role_name"),
        session_name=session_name or None,
    )
