"""Per-column sort keys for the instance table: natural order ("web-2" before "web-10"),
IP addresses by number, agent versions by version, and online instances first by default.

Pure functions over `Instance`; no Qt, so they are cheap to test and to time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ssmgui.core.instance import Instance, PingStatus, agent_version_tuple

_DIGITS = re.compile(r"(\d+)")
_STATUS_ORDER = {
    PingStatus.ONLINE: 0,
    PingStatus.CONNECTION_LOST: 1,
    PingStatus.INACTIVE: 2,
    PingStatus.UNKNOWN: 3,
}

SortKey = Callable[[Instance], Any]
_ONLINE = PingStatus.ONLINE


def natural_key(text: str) -> tuple[Any, ...]:
    """'web-10' → ('web-', 10, ''): text parts compare as text, digit runs as numbers.

    re.split with a capturing group alternates text/digits starting with text, so two keys
    always compare str with str and int with int at each position.
    """
    parts: list[Any] = _DIGITS.split(text.lower())
    parts[1::2] = [int(part) for part in parts[1::2]]
    return tuple(parts)


def ip_key(address: str) -> tuple[int, ...]:
    """IPv4 by number; empty or odd addresses last."""
    pieces = address.split(".")
    if len(pieces) == 4 and all(piece.isdigit() for piece in pieces):
        return (0, *(int(piece) for piece in pieces))
    return (1,)


def default_key(instance: Instance) -> str:
    """Online first, then the core order (named first, by name, profile, region, id).

    The order of `(not online, *core.instance.sort_key(instance))`, as one string: strings
    compare in C, so merging 10,000 rows on each refresh is ~3× faster than with tuples. The
    fields are joined by NUL, which sorts below every other character, so a name that is a
    prefix of another ("web", "web-1") still sorts first, as in the tuple.
    """
    # Called for every row of every refresh: no property calls, one f-string.
    name = instance.name
    online = "0" if instance.ping_status is _ONLINE else "1"
    return (
        f"{online}{'0' if name else '1'}{name.lower()}\0{instance.profile}\0{instance.region}"
        f"\0{instance.instance_id}"
    )


def _name(instance: Instance) -> tuple[Any, ...]:
    return (not instance.name, natural_key(instance.name))


def _status(instance: Instance) -> tuple[int, str]:
    return (_STATUS_ORDER[instance.ping_status], instance.state)


def column_keys() -> list[SortKey]:
    """One key per InstanceColumn, in column order."""
    return [
        _name,
        lambda i: i.instance_id,
        lambda i: i.platform.value,
        _status,
        lambda i: agent_version_tuple(i.agent_version),
        lambda i: ip_key(i.private_ip),
        lambda i: natural_key(i.profile),
        lambda i: natural_key(i.region),
    ]
