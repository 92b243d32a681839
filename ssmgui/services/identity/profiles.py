"""Profiles and regions from ~/.aws/config and ~/.aws/credentials.

Honours `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` like the AWS CLI. botocore's own
loader parses both files, so ssmgui reads exactly the profiles botocore reads: what
botocore accepts is accepted, and what it refuses is refused. Before that, each path must be
a regular file of sane size (`services.aws.shared_files`: a FIFO or a device would hang the
loader). A missing file is an empty file; one that cannot be read or parsed is an
`AwsFileError` naming the file and line, never the line's text, which could hold a secret.
"""

from __future__ import annotations

import codecs
import configparser
import dataclasses
import locale
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from botocore import configloader
from botocore import exceptions as boto_errors

from ssmgui.core.errors import AwsFileError, ConfigurationError
from ssmgui.core.profile import ENVIRONMENT_PROFILE, Profile, ProfileKind, SsoSettings
from ssmgui.services.aws.regions import checked_region
from ssmgui.services.aws.shared_files import MAX_AWS_FILE_BYTES, check_regular_file

Section = Mapping[str, str]

#: Our own key in a profile section: the regions ssmgui lists for it (botocore ignores it).
REGIONS_KEY = "ssmgui_regions"

#: The settings of a profile that ssmgui itself reads.
KEYS_READ = frozenset(
    {
        "region",
        REGIONS_KEY,
        "aws_access_key_id",
        "mfa_serial",
        "role_arn",
        "source_profile",
        "credential_source",
        "external_id",
        "role_session_name",
        "duration_seconds",
        "sso_session",
        "sso_start_url",
        "sso_region",
        "sso_account_id",
        "sso_role_name",
        "credential_process",
        "login_session",
    }
)
#: How botocore (configparser, opening with the default encoding) decodes the files.
_TEXT_ENCODING = locale.getpreferredencoding(False)


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
    """Every profile in `files`, by name, plus `(environment)` when env holds keys.

    The profiles are botocore's: its loader parses both files and names the profiles, and
    the credentials file's keys win over the config file's, as in botocore's sessions.
    Raises `AwsFileError` for a file that is not a file or that botocore cannot parse.
    """
    env = os.environ if env is None else env
    config = _read_aws_file(files.config, "AWS_CONFIG_FILE")
    credentials = _read_aws_file(files.credentials, "AWS_SHARED_CREDENTIALS_FILE")
    built = configloader.build_profile_map(config)
    sections: dict[str, dict[str, object]] = built["profiles"]
    for name, section in credentials.items():
        sections.setdefault(name, {}).update(section)
    sso_sessions = {
        name: _strings(section)
        for name, section in built["sso_sessions"].items()
        if isinstance(section, dict)
    }
    profiles = {}
    container = offers_container_credentials(env)
    for name, section in sections.items():
        place = _Place(name, files, in_credentials=set(credentials.get(name, {})))
        profiles[name] = _with_container(_build_profile(place, section, sso_sessions), container)
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        profiles[ENVIRONMENT_PROFILE] = _environment_profile(env, ProfileKind.ENVIRONMENT)
    elif container and _unnamed_profile(env) not in profiles:
        # botocore's unnamed session reaches the container provider: nothing before it.
        profiles[ENVIRONMENT_PROFILE] = _environment_profile(env, ProfileKind.CONTAINER)
    return profiles


#: The variables by which a container (ECS, EKS Pod Identity, CodeBuild…) offers
#: credentials; botocore's ContainerProvider applies when either is set.
CONTAINER_URI_VARIABLES = (
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


def offers_container_credentials(env: Mapping[str, str] | None = None) -> bool:
    """True when botocore's container credential provider applies in `env` (as botocore,
    set is enough, even empty)."""
    env = os.environ if env is None else env
    return any(name in env for name in CONTAINER_URI_VARIABLES)


def _with_container(profile: Profile, container: bool) -> Profile:
    """A profile without credentials of its own gets the container's, as in botocore."""
    if container and profile.kind is ProfileKind.NO_CREDENTIALS and profile.problem is None:
        return dataclasses.replace(profile, kind=ProfileKind.CONTAINER)
    return profile


def _unnamed_profile(env: Mapping[str, str]) -> str:
    """The profile botocore reads when none is named (AWS_DEFAULT_PROFILE, AWS_PROFILE)."""
    return env.get("AWS_DEFAULT_PROFILE") or env.get("AWS_PROFILE") or "default"


def _environment_profile(env: Mapping[str, str], kind: ProfileKind) -> Profile:
    keys = env.get("AWS_ACCESS_KEY_ID") if kind is ProfileKind.ENVIRONMENT else None
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    try:
        checked = checked_region(region, "AWS_REGION / AWS_DEFAULT_REGION") if region else None
    except ConfigurationError as exc:
        return Profile(name=ENVIRONMENT_PROFILE, kind=kind, problem=exc.user_message)
    return Profile(name=ENVIRONMENT_PROFILE, kind=kind, region=checked, access_key_id=keys)


def _expand(path: str, home: Path) -> Path:
    """`path` as botocore expands it: environment variables, then `~`."""
    path = os.path.expandvars(path)
    if path == "~" or path.startswith("~/"):
        return home / path[2:]
    return Path(path)


def _read_aws_file(path: Path, variable: str) -> dict[str, dict[str, object]]:
    """The sections of one shared file as botocore parses them; {} when it does not exist."""
    advice = f"Fix it, or point {variable} at another file."
    if not check_regular_file(path, advice):
        return {}
    try:
        parsed: dict[str, dict[str, object]] = configloader.raw_config_parse(str(path))
    except boto_errors.ConfigNotFound:  # gone since the check: as if it had never been
        return {}
    except boto_errors.ConfigParseError as exc:
        problem = _parse_problem(path, exc.kwargs.get("error"))
        raise AwsFileError(f"{path} cannot be read: {problem} {advice}") from None
    return parsed


def _parse_problem(path: Path, error: object) -> str:
    """What is wrong where, in words: the line's number, never its text."""
    if isinstance(error, UnicodeDecodeError):
        line = _undecodable_line(path)
        where = f" (line {line})" if line else ""
        return f"it is not {_TEXT_ENCODING.upper()} text{where}; save it as UTF-8."
    if isinstance(error, configparser.Error):
        return _ini_problem(path, error)
    return (
        "an indented line under a 'key =' line is not 'name = value' (botocore reads such "
        "lines as nested settings)."
    )


#: configparser's complaints that carry one line number (MissingSectionHeaderError is a
#: ParsingError, so these are looked at first).
_LINE_PROBLEMS: tuple[tuple[type[configparser.Error], str], ...] = (
    (
        configparser.MissingSectionHeaderError,
        "line {line} comes before the first [section] header; every setting belongs to a "
        "section such as [default] or [profile NAME].",
    ),
    (
        configparser.DuplicateSectionError,
        "the section starting at line {line} appears twice; merge the two.",
    ),
    (
        configparser.DuplicateOptionError,
        "line {line} sets a key its section already sets; keep one of them.",
    ),
)


def _ini_problem(path: Path, error: configparser.Error) -> str:
    if isinstance(error, configparser.MissingSectionHeaderError) and _starts_with_bom(path):
        return "it starts with a byte-order mark (BOM); save it as UTF-8 without one."
    for kind, words in _LINE_PROBLEMS:
        if isinstance(error, kind):
            return words.format(line=getattr(error, "lineno", "?"))
    if isinstance(error, configparser.ParsingError):
        numbers = [str(number) for number, _text in error.errors[:5]]
        lines = f"lines {', '.join(numbers)} are" if len(numbers) > 1 else f"line {numbers[0]} is"
        return f"{lines} neither a [section] header, a 'key = value' setting nor a comment."
    return f"botocore cannot parse it ({type(error).__name__})."


def _undecodable_line(path: Path) -> int | None:
    try:
        data = path.read_bytes()[: MAX_AWS_FILE_BYTES + 1]
        data.decode(_TEXT_ENCODING)
    except UnicodeDecodeError as exc:
        return data[: exc.start].count(b"\n") + 1
    except (OSError, LookupError):
        return None
    return None


def _starts_with_bom(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(3) == codecs.BOM_UTF8
    except OSError:
        return False


@dataclass(frozen=True)
class _Place:
    """Where a profile's keys come from, to name the right file in a message."""

    profile: str
    files: AwsFiles
    in_credentials: set[str]

    def of(self, key: str) -> str:
        if key in self.in_credentials:
            return f"[{self.profile}] in {self.files.credentials}"
        section = "default" if self.profile == "default" else f"profile {self.profile}"
        return f"[{section}] in {self.files.config}"


def _strings(section: Mapping[str, object]) -> dict[str, str]:
    """The plain `key = value` settings of a section (nested groups left out)."""
    return {key: value for key, value in section.items() if isinstance(value, str)}


def _build_profile(
    place: _Place, section: Mapping[str, object], sso_sessions: Mapping[str, Section]
) -> Profile:
    """The profile; a broken section still lists, carrying its `problem` for later use."""
    values = _strings(section)
    try:
        _check_values(place, section)
        return _parse_profile(place, values, sso_sessions)
    except ConfigurationError as exc:
        return Profile(name=place.profile, kind=_kind(values), problem=exc.user_message)


def _check_values(place: _Place, section: Mapping[str, object]) -> None:
    """Settings ssmgui reads must be values; botocore reads a key followed by indented lines
    as a group of nested settings instead."""
    for key in sorted(KEYS_READ.intersection(section)):
        if not isinstance(section[key], str):
            raise ConfigurationError(
                f"Profile '{place.profile}': {key} in {place.of(key)} is followed by "
                "indented lines, which make it a group of settings instead of a value. "
                "Unindent the lines below it."
            )
    if section.get("source_profile") and section.get("credential_source"):
        raise ConfigurationError(  # botocore refuses this profile too
            f"Profile '{place.profile}' ({place.of('credential_source')}) sets both "
            "source_profile and credential_source; keep the one its credentials come from."
        )


def _parse_profile(place: _Place, section: Section, sso_sessions: Mapping[str, Section]) -> Profile:
    name = place.profile
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
        duration_seconds=_duration(section.get("duration_seconds")),
        sso=_sso_settings(place, section, sso_sessions),
    )


def _kind(section: Section) -> ProfileKind:
    if section.get("role_arn"):
        return ProfileKind.ASSUME_ROLE
    if section.get("sso_session") or section.get("sso_start_url"):
        return ProfileKind.SSO
    if section.get("login_session"):  # botocore's order: after SSO, before the rest
        return ProfileKind.LOGIN
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


def _duration(text: str | None) -> int | None:
    """`duration_seconds` as botocore reads it: a whole number, else ignored (AWS's default
    applies). A number STS refuses is STS's answer to give, when the role is assumed."""
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _sso_settings(
    place: _Place, section: Section, sso_sessions: Mapping[str, Section]
) -> SsoSettings | None:
    name, session_name = place.profile, section.get("sso_session")
    if session_name:
        session = sso_sessions.get(session_name)
        if session is None:
            raise ConfigurationError(
                f"Profile '{name}' names sso_session '{session_name}', but "
                f"{place.files.config} has no [sso-session {session_name}] section. "
                "Run: aws configure sso"
            )
        source: Section = session
    elif section.get("sso_start_url"):
        source = section
    else:
        return None
    start_url, sso_region = source.get("sso_start_url"), source.get("sso_region")
    if not start_url or not sso_region:
        raise ConfigurationError(
            f"Profile '{name}' ({place.of('sso_session')}) is an SSO profile without "
            "sso_start_url and sso_region. Run: aws configure sso"
        )
    return SsoSettings(
        start_url=start_url,
        sso_region=checked_region(sso_region.strip(), f"profile '{name}' (sso_region)"),
        account_id=section.get("sso_account_id"),
        role_name=section.get("sso_role_name"),
        session_name=session_name or None,
    )
