"""The on-disk cache of the last good listing per (profile, region).

One JSON file per pair in `platformdirs.user_cache_dir("ssmgui")/inventory` (injectable for
tests), written atomically (temp file + os.replace) so a crash never leaves half a file.
Only `Instance` fields are stored — ids, names, IPs, tags, versions — never credentials.
A missing, unreadable or older-format file reads as "nothing cached". This module imports
no boto3, so a window can show the cached list before botocore has even loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs

from ssmgui.core.instance import Instance, instance_from_dict, instance_to_dict

log = logging.getLogger(__name__)

FORMAT_VERSION = 1


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("ssmgui", appauthor=False)) / "inventory"


@dataclass(frozen=True)
class CachedListing:
    """A pair's last good listing and when it was fetched (timezone-aware UTC)."""

    profile: str
    region: str
    instances: tuple[Instance, ...]
    fetched_at: datetime


def cache_entry(instance: Instance) -> dict[str, Any]:
    """What `instance_from_dict` reads back, without the derived flags (see
    `instance_to_dict`): saves run on the event loop while other regions are listing."""
    return instance_to_dict(instance, derived=False)


def encoded_instances(instances: Iterable[Instance]) -> str:
    """`instances` as a cache file holds them: JSON array items, comma-separated ("" for
    none). The inventory encodes each page as it is built, so that a save at the end of a
    listing (when every region finishes at about the same time) only joins the pages."""
    return json.dumps([cache_entry(i) for i in instances], separators=(",", ":"))[1:-1]


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
            if data.get("version") != FORMAT_VERSION:
                return None
            return CachedListing(
                profile=profile,
                region=region,
                instances=tuple(instance_from_dict(item) for item in data["instances"]),
                fetched_at=datetime.fromisoformat(data["fetched_at"]),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("Ignoring unreadable inventory cache %s: %s", path.name, exc)
            return None

    def save(self, listing: CachedListing, encoded: Sequence[str] | None = None) -> None:
        """Replace the cached listing of its pair atomically. OS errors propagate.

        `encoded`: `encoded_instances` of `listing.instances`, in order and in any number of
        parts, when the caller has encoded them already."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if encoded is None:
            encoded = [encoded_instances(listing.instances)]
        head = json.dumps(
            {
                "version": FORMAT_VERSION,
                "profile": listing.profile,
                "region": listing.region,
                "fetched_at": listing.fetched_at.isoformat(),
            },
            separators=(",", ":"),
        )
        items = ",".join(part for part in encoded if part)
        payload = f'{head[:-1]},"instances":[{items}]}}'
        target = self.path_for(listing.profile, listing.region)
        handle, temp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(payload)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
