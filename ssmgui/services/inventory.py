"""Every SSM-managed instance across profiles × regions, streamed as each region finishes.

For each (profile, region): `ssm.describe_instance_information` page by page (50 per page),
and for each page's EC2 ids one `ec2.describe_instances` call (filtered by instance id, so
ids EC2 no longer knows are simply absent) that runs while the next SSM page is fetched.
EC2 calls of a pair are chained one after another, so each boto3 client serves one call at
a time. The critical path of a pair is therefore its SSM pages plus one EC2 call.

All pairs run concurrently (bounded by `max_concurrent_pairs`). The calls go through a
`PairCalls` (inventory_fetch.py): by default signed HTTP on asyncio itself (no thread per
call: boto3's ~4 ms of CPU per call, times hundreds of calls, made the listing CPU-bound),
or boto3 clients in threads with `fetcher="boto3"`. Results arrive in completion order; a
failing pair yields its own `RegionResult` with `error` set and never stops the others.
Throttling is retried with exponential backoff and full jitter.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ssmgui.core.errors import SsmGuiError
from ssmgui.core.instance import Instance
from ssmgui.services.inventory_cache import CachedListing, InventoryCache
from ssmgui.services.inventory_errors import inventory_error, is_throttling
from ssmgui.services.inventory_fetch import (
    Boto3PairCalls,
    ClientFactory,
    HttpPairCalls,
    PairCalls,
    SessionSource,
)
from ssmgui.services.inventory_records import Ec2Details, ec2_details, instance_from

log = logging.getLogger(__name__)

__all__ = ["ClientFactory", "InventoryService", "RegionResult", "RetryPolicy"]

#: (profile, region) → the calls of that pair; see inventory_fetch.py.
PairOpener = Callable[[str, str], PairCalls]
Fetcher = Literal["http", "boto3"]

SSM_ACTION = "ssm:DescribeInstanceInformation"
EC2_ACTION = "ec2:DescribeInstances"
SSM_PAGE_SIZE = 50  # the API's maximum


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


@dataclass(frozen=True)
class RetryPolicy:
    """Throttled calls are tried `attempts` times in all, waiting up to
    base · 2^n seconds (capped at `max_delay_s`, full jitter) between tries."""

    attempts: int = 6
    base_delay_s: float = 0.2
    max_delay_s: float = 5.0

    def delay(self, retry: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay_s, self.base_delay_s * 2**retry))


def utc_now() -> datetime:
    return datetime.now(UTC)


class InventoryService:
    """Lists instances; see the module docstring. Safe to run several `stream()`s at once.

    `fetcher` "http" (default) needs a `client_factory` that also offers its sessions and
    endpoints (`SessionSource`, as `session_client_factory` makes); "boto3" takes any factory.
    """

    def __init__(
        self,
        client_factory: ClientFactory,
        *,
        fetcher: Fetcher = "http",
        cache: InventoryCache | None = None,
        max_concurrent_pairs: int = 24,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._open = _opener(client_factory, fetcher)
        self._cache = cache
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
        tasks = [
            asyncio.ensure_future(self._list_pair(profile, region, limit))
            for profile, region in wanted
        ]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

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

    async def _list_pair(self, profile: str, region: str, limit: asyncio.Semaphore) -> RegionResult:
        async with limit:
            calls = self._open(profile, region)
            listing = _PairListing(calls, profile, region, retry=self._retry, rng=self._rng)
            try:
                instances, ec2_error = await listing.run()
            except SsmGuiError as exc:
                log.info("Listing %s/%s failed: %s", profile, region, type(exc).__name__)
                return RegionResult(profile, region, error=exc, ssm_pages=listing.pages)
            except Exception as exc:  # a bug in one pair must not hide the others' results
                log.exception("Listing %s/%s failed unexpectedly", profile, region)
                error = inventory_error(exc, profile, region, SSM_ACTION)
                return RegionResult(profile, region, error=error, ssm_pages=listing.pages)
            finally:
                await calls.aclose()
        now = self._clock()
        if ec2_error is None:
            self._save(CachedListing(profile, region, instances, now))
        return RegionResult(profile, region, instances, ec2_error, now, ssm_pages=listing.pages)

    def _save(self, listing: CachedListing) -> None:
        if self._cache is None:
            return
        try:
            self._cache.save(listing)
        except OSError as exc:  # the listing is good; only the next start gets slower
            log.warning("Could not cache the inventory of %s/%s: %s", *_key(listing), exc)


class _PairListing:
    """The calls for one (profile, region): SSM pages, with EC2 lookups pipelined behind."""

    def __init__(
        self,
        calls: PairCalls,
        profile: str,
        region: str,
        *,
        retry: RetryPolicy,
        rng: random.Random,
    ) -> None:
        self._calls = calls
        self.profile, self.region = profile, region
        self._retry, self._rng = retry, rng
        self.pages = 0

    async def run(self) -> tuple[tuple[Instance, ...], SsmGuiError | None]:
        """All instances, and the EC2 error if names could not be looked up."""
        batches: list[asyncio.Future[dict[str, Ec2Details]]] = []
        try:
            infos = await self._ssm_pages(batches)
        except BaseException:
            for batch in batches:
                batch.cancel()
            await asyncio.gather(*batches, return_exceptions=True)
            raise
        details, ec2_error = await self._collect(batches)
        account = _main_account(details)
        instances = tuple(
            instance_from(
                info,
                details.get(info["InstanceId"]),
                profile=self.profile,
                region=self.region,
                account=account,
            )
            for info in infos
        )
        return instances, ec2_error

    async def _ssm_pages(
        self, batches: list[asyncio.Future[dict[str, Ec2Details]]]
    ) -> list[Mapping[str, Any]]:
        infos: list[Mapping[str, Any]] = []
        previous: asyncio.Future[dict[str, Ec2Details]] | None = None
        token = ""
        while True:
            params: dict[str, Any] = {"MaxResults": SSM_PAGE_SIZE}
            if token:
                params["NextToken"] = token
            page = await self._call(SSM_ACTION, self._calls.describe_instance_information, params)
            self.pages += 1
            page_infos = list(page.get("InstanceInformationList", ()))
            infos.extend(page_infos)
            ids = [
                str(i["InstanceId"]) for i in page_infos if str(i["InstanceId"]).startswith("i-")
            ]
            if ids:
                previous = asyncio.ensure_future(self._ec2_batch(previous, ids))
                batches.append(previous)
            token = str(page.get("NextToken") or "")
            if not token:
                return infos

    async def _ec2_batch(
        self, previous: asyncio.Future[dict[str, Ec2Details]] | None, ids: list[str]
    ) -> dict[str, Ec2Details]:
        if previous is not None:  # one EC2 call at a time per pair; outcomes collected later
            await asyncio.wait([previous])
        # A filter, not InstanceIds: an id EC2 no longer knows is skipped rather than failing
        # the whole call with InvalidInstanceID.NotFound.
        params: dict[str, Any] = {"Filters": [{"Name": "instance-id", "Values": ids}]}
        found: dict[str, Ec2Details] = {}
        while True:
            page = await self._call(EC2_ACTION, self._calls.describe_instances, params)
            found.update(ec2_details(page))
            token = page.get("NextToken")
            if not token:
                return found
            params = {**params, "NextToken": token}

    async def _collect(
        self, batches: list[asyncio.Future[dict[str, Ec2Details]]]
    ) -> tuple[dict[str, Ec2Details], SsmGuiError | None]:
        details: dict[str, Ec2Details] = {}
        error: SsmGuiError | None = None
        for outcome in await asyncio.gather(*batches, return_exceptions=True):
            if isinstance(outcome, SsmGuiError):
                error = error or outcome
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                details.update(outcome)
        return details, error

    async def _call(
        self,
        action: str,
        method: Callable[[Mapping[str, Any]], Awaitable[Mapping[str, Any]]],
        params: dict[str, Any],
    ) -> Mapping[str, Any]:
        """`await method(params)`; throttling retried; errors translated."""
        retry = 0
        while True:
            try:
                return await method(params)
            except Exception as exc:
                if not is_throttling(exc) or retry + 1 >= self._retry.attempts:
                    raise inventory_error(exc, self.profile, self.region, action) from None
            await asyncio.sleep(self._retry.delay(retry, self._rng))
            retry += 1


def _opener(factory: ClientFactory, fetcher: Fetcher) -> PairOpener:
    if fetcher == "boto3":
        return lambda profile, region: Boto3PairCalls(factory, profile, region)
    source: object = factory  # any callable may also be a SessionSource
    if not isinstance(source, SessionSource):
        raise TypeError(
            'fetcher="http" needs the factory to offer its sessions (session_client_factory '
            'does); pass fetcher="boto3" for a plain client factory'
        )
    return lambda profile, region: HttpPairCalls(source, profile, region)


def _main_account(details: Mapping[str, Ec2Details]) -> str:
    """The account most EC2 instances belong to: the best guess for hybrid nodes."""
    counts = Counter(d.account for d in details.values() if d.account)
    return counts.most_common(1)[0][0] if counts else ""


def _unique(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((str(p), str(r)) for p, r in pairs))


def _key(listing: CachedListing) -> tuple[str, str]:
    return listing.profile, listing.region
