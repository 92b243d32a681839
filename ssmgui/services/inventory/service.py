"""Every SSM-managed instance across profiles × regions, streamed as each region finishes.

For each (profile, region): `ssm.describe_instance_information` page by page (50 per page),
and for each page's EC2 ids one `ec2.describe_instances` call (filtered by instance id, so
ids EC2 no longer knows are simply absent) that runs while the next SSM page is fetched
(pair_listing.py). The critical path of a pair is therefore its SSM pages plus one EC2 call;
heavy work on EC2 answers waits behind it in one `LowPriorityLane` per refresh.

All pairs run concurrently (bounded by `max_concurrent_pairs`). A pair takes its profile's
credentials before one of those slots, so the pairs of a profile waiting for its MFA code
hold up no other profile's (connections.py: nor do they take the threads others need).

The calls are signed HTTP on asyncio itself (calls.py), with no thread per call: boto3's
CPU per call, times hundreds of calls, would make the listing CPU-bound. The service keeps
their connections and credentials for the next refresh (connections.py; `aclose()` closes
the connections). Results arrive in completion order; a failing pair yields its own
`RegionResult` with `error` set and never stops the others. Throttling is retried with
exponential backoff and full jitter.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from ssmgui.core.errors import SsmGuiError
from ssmgui.core.instance import Instance
from ssmgui.services.inventory.cache import CachedListing, InventoryCache
from ssmgui.services.inventory.calls import HttpPairCalls
from ssmgui.services.inventory.connections import KeptForHttp, SessionSource
from ssmgui.services.inventory.errors import inventory_error
from ssmgui.services.inventory.low_priority import LowPriorityLane
from ssmgui.services.inventory.pair_listing import SSM_ACTION, SSM_PAGE_SIZE, PairListing
from ssmgui.services.inventory.retries import RetryPolicy
from ssmgui.services.inventory.saver import ListingSaver

log = logging.getLogger(__name__)

__all__ = ["SSM_PAGE_SIZE", "InventoryService", "RegionResult", "RetryPolicy"]


@dataclass(frozen=True)
class RegionResult:
    """The outcome of listing one (profile, region).

    `error` None: `instances` is the complete listing. `error` set and `instances` empty:
    the pair failed (access denied, unreachable, expired credentials…). `error` set and
    `instances` non-empty: SSM answered but EC2 did not, so names, tags and public IPs are
    missing. `stale` marks a listing read from the cache, fetched at `fetched_at`.
    """

    profile: str
    region: str
    instances: tuple[Instance, ...] = ()
    error: SsmGuiError | None = None
    fetched_at: datetime | None = None
    stale: bool = False
    ssm_pages: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


def utc_now() -> datetime:
    return datetime.now(UTC)


class InventoryService:
    """Lists instances; see the module docstring. Safe to run several `stream()`s at once.

    `sessions` gives each profile's credentials and any endpoint override (`ProfileSessions`
    in sessions.py).
    """

    def __init__(
        self,
        sessions: SessionSource,
        *,
        cache: InventoryCache | None = None,
        max_concurrent_pairs: int = 24,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._kept = KeptForHttp(sessions)
        self._cache = cache
        self._saver = ListingSaver(cache) if cache is not None else None
        self._max_pairs = max(1, max_concurrent_pairs)
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._rng = random.Random()

    def cached(self, pairs: Iterable[tuple[str, str]]) -> list[RegionResult]:
        """The cached listings of `pairs` that exist, as `stale` results. No network."""
        if self._cache is None:
            return []
        results = []
        for profile, region in _unique(pairs):
            listing = self._cache.load(profile, region)
            if listing is not None:
                results.append(
                    RegionResult(
                        profile, region, listing.instances, None, listing.fetched_at, stale=True
                    )
                )
        return results

    async def stream(self, pairs: Iterable[tuple[str, str]]) -> AsyncIterator[RegionResult]:
        """Yield one fresh `RegionResult` per distinct pair, each as soon as it is done.

        Leaving the `async for` early cancels the pairs still running.
        """
        wanted = _unique(pairs)
        if not wanted:
            return
        limit = asyncio.Semaphore(self._max_pairs)
        lane = LowPriorityLane()
        tasks = [
            asyncio.ensure_future(self._list_pair(profile, region, limit, lane))
            for profile, region in wanted
        ]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            # Only the unfinished: a gather of all would hold every result until the loop
            # drops its wake-up, freeing the previous listing at the start of the next one.
            unfinished = [task for task in tasks if not task.done()]
            for task in unfinished:
                task.cancel()
            if unfinished:
                await asyncio.gather(*unfinished, return_exceptions=True)

    async def refresh(
        self,
        pairs: Iterable[tuple[str, str]],
        on_result: Callable[[RegionResult], None] | None = None,
    ) -> list[RegionResult]:
        """`stream()` collected into a list; `on_result` is called with each as it comes."""
        results = []
        async for result in self.stream(pairs):
            if on_result is not None:
                on_result(result)
            results.append(result)
        return results

    async def saved(self) -> None:
        """Return once the listings of every refresh so far are in the cache (see
        saver.py: a refresh returns before its listings are written)."""
        if self._saver is not None:
            await self._saver.flush()

    async def aclose(self) -> None:
        """Finish writing the cache; close the connections kept for the next refresh (a
        later refresh opens new ones)."""
        await self.saved()
        await self._kept.aclose()

    async def _list_pair(
        self, profile: str, region: str, limit: asyncio.Semaphore, lane: LowPriorityLane
    ) -> RegionResult:
        calls = HttpPairCalls(self._kept, profile, region, lane=lane)
        listing = PairListing(calls, profile, region, retry=self._retry, rng=self._rng, lane=lane)
        try:
            await listing.sign_in()  # before taking a slot: it may wait for a person
            async with limit:
                outcome = await listing.run()
        except SsmGuiError as exc:
            log.info("Listing %s/%s failed: %s", profile, region, type(exc).__name__)
            return RegionResult(profile, region, error=exc, ssm_pages=listing.pages)
        except Exception as exc:  # a bug in one pair must not hide the others' results
            log.exception("Listing %s/%s failed unexpectedly", profile, region)
            error = inventory_error(exc, profile, region, SSM_ACTION)
            return RegionResult(profile, region, error=error, ssm_pages=listing.pages)
        now = self._clock()
        if outcome.ec2_error is None and self._saver is not None:
            self._saver.submit(CachedListing(profile, region, outcome.instances, now))
        return RegionResult(
            profile, region, outcome.instances, outcome.ec2_error, now, ssm_pages=listing.pages
        )


def _unique(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((str(p), str(r)) for p, r in pairs))
