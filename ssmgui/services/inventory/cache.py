"""The on-disk cache of the last good listing per (profile, region).

One JSON file per pair in `platformdirs.user_cache_dir("ssmgui")/inventory` (injectable for
tests), written atomically (temp file + os.replace) so a crash never leaves half a file.
Only `Instance` fields are stored — ids, names, IPs, tags, versions — never credentials.
A missing, unreadable or unknown-format file reads as "nothing cached". This module imports
no boto3, so a window can show the cached list before botocore has even loaded.

Format 2 stores each instance as one row of strings (`cache_row`), the pair's profile and
region once in the head: rows encode and load in a fraction of the time one dict per
instance takes, and a refresh saves thousands. Format 1 files (one dict per instance,
`instance_to_dict`, written by earlier versions) still load.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs

from ssmgui.core.instance import Instance, PingStatus, Platform, instance_from_dict
from ssmgui.services.private_paths import write_privately

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
DICT_FORMAT_VERSION = 1  # still read: written by earlier versions
#: The leading fields of a row; the instance's tags follow as key, value, key, value…
ROW_FIELDS = (
    "instance_id",
    "name",
    "platform",
    "ping_status",
    "agent_version",
    "private_ip",
    "public_ip",
    "account",
    "last_ping",
    "state",
    "platform_name",
)
_ROW_LENGTH = len(ROW_FIELDS)
_encode = json.JSONEncoder(separators=(",", ":")).encode


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("ssmgui", appauthor=False)) / "inventory"


@dataclass(frozen=True)
class CachedListing:
    """A pair's last good listing and when it was fetched (timezone-aware UTC)."""

    profile: str
    region: str
    instances: tuple[Instance, ...]
    fetched_at: datetime


def cache_row(instance: Instance) -> list[str]:
    """`instance` as a row of strings (`ROW_FIELDS`, then its tags); its profile and region
    are the file's. `instance_from_row` reads it back."""
    last_ping = instance.last_ping
    row = [
        instance.instance_id,
        instance.name,
        instance.platform.value,
        instance.ping_status.value,
        instance.agent_version,
        instance.private_ip,
        instance.public_ip,
        instance.account,
        "" if last_ping is None else last_ping.isoformat(),
        instance.state,
        instance.platform_name,
    ]
    for key_and_value in instance.tags:
        row += key_and_value
    return row


def instance_from_row(row: Sequence[Any], profile: str, region: str) -> Instance:
    """The inverse of `cache_row`. Raises ValueError on a row it did not write."""
    if len(row) < _ROW_LENGTH or len(row) % 2 != _ROW_LENGTH % 2:
        raise ValueError("not an inventory cache row")
    if not all(type(field) is str for field in row):
        raise ValueError("not an inventory cache row")
    (instance_id, name, platform, ping_status, agent_version) = row[:5]
    (private_ip, public_ip, account, last_ping, state, platform_name) = row[5:_ROW_LENGTH]
    tags = row[_ROW_LENGTH:]
    return Instance(
        instance_id=instance_id,
        name=name,
        platform=Platform.parse(platform),
        ping_status=PingStatus.parse(ping_status),
        agent_version=agent_version,
        private_ip=private_ip,
        public_ip=public_ip,
        profile=profile,
        region=region,
        account=account,
        last_ping=datetime.fromisoformat(last_ping) if last_ping else None,
        state=state,
        platform_name=platform_name,
        tags=tuple(zip(tags[::2], tags[1::2], strict=True)),
    )


class InventoryCache:
    """Reads and writes cached listings. Not shared across processes beyond atomic files."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else default_cache_dir()

    def path_for(self, profile: str, region: str) -> Path:
        # Profile names may hold characters a file system refuses; a digest keeps the name
        # safe and unique, the readable prefix helps a person looking at the directory.
        digest = hashlib.sha256(f"{profile}\0{region}".encode()).hexdigest()[:16]
        readable = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in profile)[:40]
        return self.directory / f"{readable}.{region}.{digest}.json"

    def load(self, profile: str, region: str) -> CachedListing | None:
        """The cached listing of (profile, region), or None if there is no usable one."""
        path = self.path_for(profile, region)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            version = data.get("version")
            if version == FORMAT_VERSION:
                instances = tuple(instance_from_row(r, profile, region) for r in data["instances"])
            elif version == DICT_FORMAT_VERSION:
                instances = tuple(instance_from_dict(item) for item in data["instances"])
            else:
                return None
            return CachedListing(
                profile, region, instances, datetime.fromisoformat(data["fetched_at"])
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("Ignoring unreadable inventory cache %s: %s", path.name, exc)
            return None

    def save(self, listing: CachedListing) -> None:
        """Replace the cached listing of its pair atomically. OS errors propagate.

        `listing.instances` must be of the listing's profile and region (the rows leave
        them out)."""
        payload = _encode(
            {
                "version": FORMAT_VERSION,
                "profile": listing.profile,
                "region": listing.region,
                "fetched_at": listing.fetched_at.isoformat(),
                "instances": [cache_row(i) for i in listing.instances],
            }
        )
        write_privately(self.path_for(listing.profile, listing.region), payload)
