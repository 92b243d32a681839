"""Writing fresh listings to the cache once the refreshing is over, not during it.

A listing's cache file is for the next start; the person waiting for the window to fill has
no use for it. Encoding thousands of instances takes tens of milliseconds of CPU: inside the
listing it would sit on the critical path, and done as each region finished it would
compete with the window taking in the same results. So a refresh hands its listings over
here and returns; they are written when no new listing has come for `quiet_s` (a refresh
of many regions is one burst), on a thread, the newest listing of each pair only.
`flush()` writes what is pending at once and waits (quitting, tests, benchmarks).
"""

from __future__ import annotations

import asyncio
import logging

from ssmgui.services.inventory.cache import CachedListing, InventoryCache

log = logging.getLogger(__name__)

QUIET_S = 2.0


class ListingSaver:
    """Saves listings to `cache` in the background; failures are logged. Use on one loop."""

    def __init__(self, cache: InventoryCache, quiet_s: float = QUIET_S) -> None:
        self._cache = cache
        self._quiet_s = quiet_s
        self._pending: dict[tuple[str, str], CachedListing] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._writing: asyncio.Future[None] | None = None

    def submit(self, listing: CachedListing) -> None:
        """Save `listing` once things are quiet; it replaces a pending one of its pair."""
        self._pending[listing.profile, listing.region] = listing
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self._quiet_s, self._write_pending)

    async def flush(self) -> None:
        """Write what is pending now; return once everything submitted so far is written
        (or failed to be)."""
        if self._timer is not None:
            self._timer.cancel()
            self._write_pending()
        if self._writing is not None:
            await asyncio.shield(self._writing)  # a cancelled waiter leaves the writes going

    def _write_pending(self) -> None:
        self._timer = None
        batch, self._pending = list(self._pending.values()), {}
        if batch:
            self._writing = asyncio.ensure_future(self._write_after(self._writing, batch))

    async def _write_after(
        self, earlier: asyncio.Future[None] | None, batch: list[CachedListing]
    ) -> None:
        if earlier is not None:  # an older listing of a pair must not land last
            await asyncio.shield(earlier)
        for listing in batch:
            try:
                # A file written and renamed on a thread: a slow disk (a network home) must
                # not hold up the loop.
                await asyncio.to_thread(self._cache.save, listing)
            except OSError as exc:  # the listing is good; only the next start gets slower
                log.warning(
                    "Could not cache the inventory of %s/%s: %s",
                    listing.profile,
                    listing.region,
                    exc,
                )
