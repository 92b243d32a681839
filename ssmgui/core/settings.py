"""The user's settings as plain data, and their tolerant (de)serialisation.

`from_dict` never fails on a hand-edited or older file: unknown keys are ignored and a
value of the wrong type falls back to its default, reported in `problems` so the UI can say
which setting was reset. Secrets never live here.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.instance_choices import (
    InstanceChoice,
    choice_key,
    choice_to_dict,
    choices_from_dict,
    key_files_from_dict,
    with_choice,
)
from ssmgui.core.profile_marks import valid_colour
from ssmgui.core.tunnel import TunnelKind, TunnelSpec

MFA_DURATION_MIN_S = 900
MFA_DURATION_MAX_S = 129_600


class Engine(enum.StrEnum):
    NATIVE = "native"
    PLUGIN = "plugin"


@dataclass(frozen=True)
class Favourite:
    """A saved tunnel: its name, what to open (the spec), and whether to open it at launch."""

    name: str
    spec: TunnelSpec
    auto_start: bool = False

    @property
    def kind(self) -> TunnelKind:
        return self.spec.kind

    @property
    def target(self) -> tuple[str, str, str, str, int, str]:
        """What it opens — profile, region, instance, kind, port, host — and so which
        favourite it is: the same instance in another profile is another favourite."""
        spec = self.spec
        return (spec.profile, spec.region, spec.instance_id, str(spec.kind), spec.remote_port,
                spec.remote_host)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    profiles: tuple[str, ...] = ()  # empty: every profile
    regions: tuple[str, ...] = ()  # empty: each profile's own regions (see core/regions.py)
    mfa_duration_s: int = 43_200
    expiry_warning_s: int = 600
    ssh_user: str = "ec2-user"
    rdp_user: str = "Administrator"
    ssh_key_path: str = ""
    # "Connect SSH" pushes a key made for this run with EC2 Instance Connect (no
    # authorized_keys needed on the instance); ssh_key_path is then not used.
    ssh_push_key: bool = False
    rdp_command: str = ""  # empty: the platform's client; "{file}", "{port}", "{user}" filled
    terminal_command: str = ""  # empty: the platform's terminal; "{command}" filled
    browser_command: str = ""  # empty: the default browser; "{url}" filled
    windows_action: TunnelKind = TunnelKind.RDP
    linux_action: TunnelKind = TunnelKind.SSH
    engine: Engine = Engine.NATIVE
    plugin_path: str = ""
    keepalive: bool = False  # policy: off, so the service's idle timeout still protects users
    close_tunnel_with_client: bool = False  # stop a tunnel when the client it opened exits
    start_at_login: bool = False
    reason_template: str = "ssmgui {kind} tunnel for {user}"
    preferred_ports: Mapping[str, int] = field(default_factory=dict)  # "instance/kind" → port
    favourites: tuple[Favourite, ...] = ()
    # "profile/region/instance-id" → the person's own action and SSH user for that instance
    instance_choices: Mapping[str, InstanceChoice] = field(default_factory=dict)
    key_files: Mapping[str, str] = field(default_factory=dict)  # key pair name → its .pem
    # profile → "#rrggbb", or "" for no mark; unlisted: red when it looks like production
    profile_colours: Mapping[str, str] = field(default_factory=dict)
    confirm_marked: bool = False  # ask before connecting to a marked profile
    # IAM Identity Center (account, role) pairs listed as if profiles (core/sso_roles.py)
    sso_roles: tuple[str, ...] = ()

    def with_preferred_port(self, instance_id: str, kind: TunnelKind, port: int) -> Settings:
        ports = dict(self.preferred_ports)
        ports[preferred_port_key(instance_id, kind)] = port
        return dataclasses.replace(self, preferred_ports=ports)

    def preferred_port(self, instance_id: str, kind: TunnelKind) -> int | None:
        return self.preferred_ports.get(preferred_port_key(instance_id, kind))

    def choice_for(self, profile: str, region: str, instance_id: str) -> InstanceChoice:
        """What the person chose for this instance (empty: as the settings say)."""
        key = choice_key(profile, region, instance_id)
        return self.instance_choices.get(key, InstanceChoice())

    def with_choice(
        self, profile: str, region: str, instance_id: str, choice: InstanceChoice
    ) -> Settings:
        key = choice_key(profile, region, instance_id)
        choices = with_choice(self.instance_choices, key, choice)
        return dataclasses.replace(self, instance_choices=choices)

    def for_instance(self, profile: str, region: str, instance_id: str) -> Settings:
        """These settings as a client of that instance uses them: its own SSH user."""
        user = self.choice_for(profile, region, instance_id).ssh_user
        return dataclasses.replace(self, ssh_user=user) if user else self

    def with_favourite(self, favourite: Favourite) -> Settings:
        """`favourite` added at the end, unless one opening the same target exists (kept as
        the person named it). Its name is made unique: a taken one gets what tells the two
        apart — the profile, else the region — then a number ("SSH web (prod)",
        "SSH web (eu-west-1) 2"), so no entry hides another (issue 17, item 9)."""
        if any(kept.target == favourite.target for kept in self.favourites):
            return self
        taken = {kept.name for kept in self.favourites}
        spec = favourite.spec
        namesakes = [kept.spec for kept in self.favourites if kept.name == favourite.name]
        other_profile = any(kept.profile != spec.profile for kept in namesakes)
        name = unique_name(favourite.name, spec.profile if other_profile else spec.region, taken)
        added = dataclasses.replace(favourite, name=name)
        return dataclasses.replace(self, favourites=(*self.favourites, added))

    def with_key_file(self, key_name: str, path: str) -> Settings:
        """`path` remembered for `key_name` ("" forgets it)."""
        files = {name: kept for name, kept in self.key_files.items() if name != key_name}
        if path:
            files[key_name] = path
        return dataclasses.replace(self, key_files=files)


def unique_name(name: str, qualifier: str, taken: set[str]) -> str:
    """`name`, or with `qualifier`, then a number, added until no name in `taken` is it."""
    if name not in taken:
        return name
    qualified = f"{name} ({qualifier})" if qualifier else name
    candidate, number = qualified, 2
    while candidate in taken:
        candidate, number = f"{qualified} {number}", number + 1
    return candidate


def preferred_port_key(instance_id: str, kind: TunnelKind) -> str:
    return f"{instance_id}/{kind}"


def validate_mfa_duration(seconds: int) -> int:
    if not MFA_DURATION_MIN_S <= seconds <= MFA_DURATION_MAX_S:
        raise ConfigurationError(
            f"The MFA session length must be {MFA_DURATION_MIN_S}–{MFA_DURATION_MAX_S} seconds "
            "(15 minutes to 36 hours)."
        )
    return seconds


def to_dict(settings: Settings) -> dict[str, Any]:
    data = dataclasses.asdict(settings)
    data["preferred_ports"] = dict(settings.preferred_ports)
    data["profile_colours"] = dict(settings.profile_colours)
    data["profiles"] = list(settings.profiles)
    data["regions"] = list(settings.regions)
    data["sso_roles"] = list(settings.sso_roles)
    data["favourites"] = [_favourite_dict(f) for f in settings.favourites]
    data["instance_choices"] = {k: choice_to_dict(c) for k, c in settings.instance_choices.items()}
    data["key_files"] = dict(settings.key_files)
    return data


@dataclass(frozen=True)
class Loaded:
    settings: Settings
    problems: tuple[str, ...] = ()


def from_dict(data: Mapping[str, Any]) -> Loaded:
    defaults = Settings()
    values: dict[str, Any] = {}
    problems: list[str] = []
    for spec in dataclasses.fields(Settings):
        if spec.name not in data:
            continue
        try:
            values[spec.name] = _PARSERS[spec.name](data[spec.name])
        except (TypeError, ValueError, KeyError, ConfigurationError):
            problems.append(f"{spec.name} was not understood and is back to its default")
    try:
        settings = dataclasses.replace(defaults, **values)
    except TypeError:  # pragma: no cover - the parsers guarantee the field types
        return Loaded(defaults, ("settings were not understood and are back to defaults",))
    return Loaded(settings, tuple(problems))


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise TypeError(value)
    return tuple(_string(v) for v in value)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(value)
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(value)
    return value


def _ports(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise TypeError(value)
    return {_string(k): _port(v) for k, v in value.items()}


def _colours(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError(value)
    return {_string(k): valid_colour(_string(v)) for k, v in value.items()}


def _port(value: Any) -> int:
    port = _integer(value)
    if not 0 <= port <= 65535:
        raise ValueError(port)
    return port


def _favourite(value: Any) -> Favourite:
    if not isinstance(value, dict):
        raise TypeError(value)
    spec = TunnelSpec(
        profile=_string(value["profile"]),
        region=_string(value["region"]),
        instance_id=_string(value["instance_id"]),
        kind=TunnelKind(value["kind"]),
        remote_port=_port(value["remote_port"]),
        remote_host=_string(value.get("remote_host", "")),
        local_port=_port(value.get("local_port", 0)),
    )
    return Favourite(_string(value["name"]), spec, _boolean(value.get("auto_start", False)))


def _favourite_dict(favourite: Favourite) -> dict[str, Any]:
    """Flat in the file, as people edit it: name, where, what, and auto_start."""
    spec = favourite.spec
    return {
        "name": favourite.name,
        "profile": spec.profile,
        "region": spec.region,
        "instance_id": spec.instance_id,
        "kind": str(spec.kind),
        "remote_port": spec.remote_port,
        "remote_host": spec.remote_host,
        "local_port": spec.local_port,
        "auto_start": favourite.auto_start,
    }


def _favourites(value: Any) -> tuple[Favourite, ...]:
    if not isinstance(value, list):
        raise TypeError(value)
    return tuple(_favourite(v) for v in value)


_PARSERS: dict[str, Any] = {
    "profiles": _strings,
    "regions": _strings,
    "sso_roles": _strings,
    "mfa_duration_s": lambda v: validate_mfa_duration(_integer(v)),
    "expiry_warning_s": _integer,
    "ssh_user": _string,
    "rdp_user": _string,
    "ssh_key_path": _string,
    "ssh_push_key": _boolean,
    "rdp_command": _string,
    "terminal_command": _string,
    "browser_command": _string,
    "windows_action": TunnelKind,
    "linux_action": TunnelKind,
    "engine": Engine,
    "plugin_path": _string,
    "keepalive": _boolean,
    "close_tunnel_with_client": _boolean,
    "start_at_login": _boolean,
    "reason_template": _string,
    "preferred_ports": _ports,
    "favourites": _favourites,
    "instance_choices": choices_from_dict,
    "key_files": key_files_from_dict,
    "profile_colours": _colours,
    "confirm_marked": _boolean,
}
