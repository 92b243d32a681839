"""Writing fresh listings to the cache after they have been delivered, not before.

A listing's cache file is for the next start; the person waiting for the window to fill has
no use for it. Encoding 7,200 instances costs ~30 ms of CPU, and when the regions of a
refresh finish together it sat on the critical path of the last one (bench/inventory.py).
So a refresh hands its listings over here and returns; they are encoded and written on a
thread, one at a time in the order handed over (a later listing of a pair always lands
last), and `flush()` waits for all of them (before quitting, or for a test to read them).
"""

from __future__ import annotations

import asyncio
import logging

from ssmgui.services.inventory_cache import CachedListing, InventoryCache

log = logging.getLogger(__name__)


class ListingSaver:
    """Saves listings to `cache` in the background, in order; failures are logged."""

    def __init__(self, cache: InventoryCache) -> None:
        self._cache = cache
        self._last: asyncio.Future[None] | None = None

    def submit(self, listing: CachedListing) -> None:
        """Save `listing` after those submitted before it. Call on the running loop."""
        self._last = asyncio.ensure_future(self._save_after(self._last, listing))

    async def flush(self) -> None:
        """Return once every listing submitted so far is written (or failed to be)."""
        if self._last is not None:
            await asyncio.shield(self._last)

    async def _save_after(
        self, previous: asyncio.Future[None] | None, listing: CachedListing
    ) -> None:
        if previous is not None:
            await asyncio.shield(previous)  # a cancelled waiter must not cancel the earlier save
        try:
            # A file written and renamed on a thread: a slow disk (a network home) must not
            # hold up the loop.
            await asyncio.to_thread(self._cache.save, listing)
        except OSError as exc:  # the listing is good; only the next start gets slower
            log.warning(
                "Could not cache the inventory of %s/%s: %s", listing.profile, listing.region, exc
            )
