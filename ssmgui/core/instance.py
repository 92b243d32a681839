"""Instances as plain data: what a managed node is, which agent features it has, and how a
person finds it in a long list.

Parsing AWS answers into `Instance` is `ssmgui.services.inventory.records`' job; this module
holds the result and the pure rules on it: agent-version thresholds, the search/filter
language, the display order, and the dict form of `ssmgui list --json` (and of the inventory
cache's format 1 files).
"""

from __future__ import annotations

import enum
import functools
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: Port forwarding needs SSM Agent 2.3.672.0 or later (AWS Session Manager docs,
#: "Port forwarding" prerequisites).
PORT_FORWARDING_MIN_AGENT = (2, 3, 672, 0)
#: Session Manager shells need SSM Agent 2.3.68.0 or later (AWS Session Manager docs,
#: "Session Manager prerequisites").
SHELL_MIN_AGENT = (2, 3, 68, 0)
#: Agents up to 3.0.196.0 speak only basic (one connection) port forwarding; later ones
#: multiplex many connections over one session (session-manager-plugin's version gate).
MULTIPLEXING_AFTER_AGENT = (3, 0, 196, 0)


class Platform(enum.Enum):
    """The operating system family SSM reports (PlatformType)."""

    WINDOWS = "Windows"
    LINUX = "Linux"
    MACOS = "macOS"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, text: str | None) -> Platform:
        """'Windows' / 'Linux' / 'MacOS' (any case) → member; anything else is UNKNOWN."""
        # A dict lookup rather than a walk over the enum: called for every instance listed.
        return _PLATFORMS_BY_NAME.get((text or "").strip().lower(), cls.UNKNOWN)


class PingStatus(enum.Enum):
    """Whether the agent is talking to SSM now (PingStatus)."""

    ONLINE = "Online"
    CONNECTION_LOST = "ConnectionLost"
    INACTIVE = "Inactive"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, text: str | None) -> PingStatus:
        return _PING_STATUSES.get(text or "", cls.UNKNOWN)


_PLATFORMS_BY_NAME = {member.value.lower(): member for member in Platform}
_PING_STATUSES = {member.value: member for member in PingStatus}


@functools.lru_cache(maxsize=512)
def agent_version_tuple(version: str) -> tuple[int, ...]:
    """'3.0.196.0' → (3, 0, 196, 0); missing or junk parts count as 0. Cached: a fleet runs a
    handful of agent versions, and the window asks for each painted row."""
    parts = [int("".join(ch for ch in part if ch.isdigit()) or 0) for part in version.split(".")]
    parts += [0] * (4 - len(parts))
    return tuple(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class Instance:
    """One SSM-managed node as the inventory saw it. No secrets: safe to cache and print.

    Built by keyword only, so two fields of one type (the IPs, profile and region…) cannot
    be swapped silently; change one with `dataclasses.replace`.

    `name` is the EC2 Name tag (or the hybrid activation's name for `mi-` nodes), "" if none.
    `state` is the EC2 state ("running", "stopped", …) or "" when EC2 did not say (hybrid
    nodes, or an id EC2 no longer knows). `tags` are the EC2 tags, sorted by key.
    """

    instance_id: str
    name: str
    platform: Platform
    ping_status: PingStatus
    agent_version: str
    private_ip: str
    public_ip: str
    profile: str
    region: str
    account: str
    last_ping: datetime | None
    state: str = ""
    platform_name: str = ""
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def hybrid(self) -> bool:
        """A hybrid-activated (on-premises) node: its id starts with `mi-`."""
        return self.instance_id.startswith("mi-")

    @property
    def online(self) -> bool:
        return self.ping_status is PingStatus.ONLINE

    @property
    def supports_port_forwarding(self) -> bool:
        """False for agents too old for port forwarding (< 2.3.672.0)."""
        return agent_version_tuple(self.agent_version) >= PORT_FORWARDING_MIN_AGENT

    @property
    def supports_shell(self) -> bool:
        """False for agents too old for Session Manager shells (< 2.3.68.0)."""
        return agent_version_tuple(self.agent_version) >= SHELL_MIN_AGENT

    @property
    def supports_multiplexing(self) -> bool:
        """False for agents that only do one connection per session (≤ 3.0.196.0)."""
        return agent_version_tuple(self.agent_version) > MULTIPLEXING_AFTER_AGENT

    @property
    def display_name(self) -> str:
        return self.name or self.instance_id

    def tag(self, key: str) -> str | None:
        return dict(self.tags).get(key)


# --- search and filter -------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceFilter:
    """A parsed search: every term must match (AND).

    `words`: lower-cased substrings, each found in one of name, id, private/public IP,
    platform, profile, region. `tags`: (key, value) pairs; the key matches case-insensitively
    and exactly, the value case-insensitively and exactly; an empty value means "has the tag".
    """

    words: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.words and not self.tags


def parse_filter(text: str) -> InstanceFilter:
    """'web eu-west-1 env=prod "team=data eng"' → words and tag terms.

    Terms are separated by spaces; quotes group a term with spaces; a term with `=` is a tag
    filter `key=value`. Unbalanced quotes are read as plain text rather than refused, since
    the GUI filters on every keystroke.
    """
    try:
        terms = shlex.split(text)
    except ValueError:
        terms = text.split()
    words: list[str] = []
    tags: list[tuple[str, str]] = []
    for term in terms:
        key, equals, value = term.partition("=")
        if equals and key:
            tags.append((key.lower(), value.lower()))
        elif term:
            words.append(term.lower())
    return InstanceFilter(tuple(words), tuple(tags))


def searched_fields(instance: Instance) -> tuple[str, ...]:
    """What a search word is looked for in (the UI's fast filter reads the same list)."""
    return (
        instance.name,
        instance.instance_id,
        instance.private_ip,
        instance.public_ip,
        instance.platform.value,
        instance.profile,
        instance.region,
    )


def _haystack(instance: Instance) -> tuple[str, ...]:
    return tuple(text.lower() for text in searched_fields(instance) if text)


def _has_tag(tags: Mapping[str, str], key: str, value: str) -> bool:
    if key not in tags:
        return False
    return not value or tags[key] == value


def matches(instance: Instance, search: InstanceFilter) -> bool:
    """True when `instance` satisfies every term of `search`."""
    haystack = _haystack(instance)
    if not all(any(word in text for text in haystack) for word in search.words):
        return False
    tags = {key.lower(): value.lower() for key, value in instance.tags}
    return all(_has_tag(tags, key, value) for key, value in search.tags)


def filter_instances(instances: Iterable[Instance], text: str) -> list[Instance]:
    """The instances matching the search `text` (see `parse_filter`), order kept."""
    search = parse_filter(text)
    if search.empty:
        return list(instances)
    return [instance for instance in instances if matches(instance, search)]


def sort_key(instance: Instance) -> tuple[bool, str, str, str, str]:
    """Named before unnamed, then by name (case-insensitive), profile, region, id."""
    return (
        not instance.name,
        instance.name.lower(),
        instance.profile,
        instance.region,
        instance.instance_id,
    )


def sort_instances(instances: Iterable[Instance]) -> list[Instance]:
    return sorted(instances, key=sort_key)


# --- dict form (cache files, --json) -------------------------------------------------------


def instance_to_dict(instance: Instance, *, derived: bool = True) -> dict[str, Any]:
    """A JSON-ready dict of every field; `from_dict(to_dict(x)) == x`.

    `derived=False` leaves out the `supports_*` flags, which only restate the agent version
    (cache files of format 1 were written without them).
    """
    data: dict[str, Any] = {
        "instance_id": instance.instance_id,
        "name": instance.name,
        "platform": instance.platform.value,
        "platform_name": instance.platform_name,
        "ping_status": instance.ping_status.value,
        "agent_version": instance.agent_version,
        "private_ip": instance.private_ip,
        "public_ip": instance.public_ip,
        "state": instance.state,
        "profile": instance.profile,
        "region": instance.region,
        "account": instance.account,
        "last_ping": instance.last_ping.isoformat() if instance.last_ping else None,
        "tags": dict(instance.tags),
    }
    if derived:
        data["supports_port_forwarding"] = instance.supports_port_forwarding
        data["supports_multiplexing"] = instance.supports_multiplexing
    return data


def instance_from_dict(data: Mapping[str, Any]) -> Instance:
    """The inverse of `instance_to_dict`. Raises KeyError/ValueError/TypeError on bad data."""
    last_ping = data.get("last_ping")
    tags = data.get("tags") or {}
    return Instance(
        instance_id=str(data["instance_id"]),
        name=str(data.get("name", "")),
        platform=Platform.parse(data.get("platform")),
        ping_status=PingStatus.parse(data.get("ping_status")),
        agent_version=str(data.get("agent_version", "")),
        private_ip=str(data.get("private_ip", "")),
        public_ip=str(data.get("public_ip", "")),
        profile=str(data["profile"]),
        region=str(data["region"]),
        account=str(data.get("account", "")),
        last_ping=datetime.fromisoformat(last_ping) if last_ping else None,
        state=str(data.get("state", "")),
        platform_name=str(data.get("platform_name", "")),
        tags=tuple(sorted((str(k), str(v)) for k, v in dict(tags).items())),
    )
