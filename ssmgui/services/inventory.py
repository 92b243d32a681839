"""Every SSM-managed instance across profiles × regions, streamed as each region finishes.

For each (profile, region): `ssm.describe_instance_information` page by page (50 per page),
and for each page's EC2 ids one `ec2.describe_instances` call (filtered by instance id, so
ids EC2 no longer knows are simply absent) that runs while the next SSM page is fetched.
EC2 calls of a pair are chained one after another, so each boto3 client serves one call at
a time. The critical path of a pair is therefore its SSM pages plus one EC2 call.

All pairs run concurrently (bounded by `max_concurrent_pairs`), on a thread pool owned by
each `stream()` run: asyncio's default executor has only cpu+4 threads, too few for 18
regions that each wait on the network. Results arrive in completion order; a failing pair
yields its own `RegionResult` with `error` set and never stops the others. Throttling is
retried with exponential backoff and full jitter.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from botocore.client import BaseClient

from ssmgui.core.errors import SsmGuiError
from ssmgui.core.instance import Instance
from ssmgui.services.inventory_cache import CachedListing, InventoryCache
from ssmgui.services.inventory_errors import inventory_error, is_throttling
from ssmgui.services.inventory_records import Ec2Details, ec2_details, instance_from

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ssm import SSMClient

log = logging.getLogger(__name__)

#: (profile, region, service name) → a boto3 client; called in a worker thread.
ClientFactory = Callable[[str, str, str], BaseClient]

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
    """Lists instances; see the module docstring. Safe to run several `stream()`s at once."""

    def __init__(
        self,
        client_factory: ClientFactory,
        *,
        cache: InventoryCache | None = None,
        max_concurrent_pairs: int = 24,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._factory = client_factory
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
        workers = min(len(wanted), self._max_pairs) * 2  # one SSM + one EC2 call per pair
        executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ssmgui-inventory")
        tasks = [
            asyncio.ensure_future(self._list_pair(profile, region, limit, executor))
            for profile, region in wanted
        ]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            executor.shutdown(wait=False, cancel_futures=True)

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

    async def _list_pair(
        self, profile: str, region: str, limit: asyncio.Semaphore, executor: ThreadPoolExecutor
    ) -> RegionResult:
        async with limit:
            listing = _PairListing(
                self._factory, profile, region, executor=executor, retry=self._retry, rng=self._rng
            )
            try:
                instances, ec2_error = await listing.run()
            except SsmGuiError as exc:
                log.info("Listing %s/%s failed: %s", profile, region, type(exc).__name__)
                return RegionResult(profile, region, error=exc, ssm_pages=listing.pages)
            except Exception as exc:  # a bug in one pair must not hide the others' results
                log.exception("Listing %s/%s failed unexpectedly", profile, region)
                error = inventory_error(exc, profile, region, SSM_ACTION)
                return RegionResult(profile, region, error=error, ssm_pages=listing.pages)
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
        factory: ClientFactory,
        profile: str,
        region: str,
        *,
        executor: ThreadPoolExecutor,
        retry: RetryPolicy,
        rng: random.Random,
    ) -> None:
        self._factory = factory
        self.profile, self.region = profile, region
        self._executor = executor
        self._retry, self._rng = retry, rng
        self.pages = 0

    async def run(self) -> tuple[tuple[Instance, ...], SsmGuiError | None]:
        """All instances, and the EC2 error if names could not be looked up."""
        ec2 = asyncio.ensure_future(self._client("ec2", EC2_ACTION))
        batches: list[asyncio.Future[dict[str, Ec2Details]]] = []
        try:
            infos = await self._ssm_pages(ec2, batches)
        except BaseException:
            ec2.cancel()
            for batch in batches:
                batch.cancel()
            await asyncio.gather(ec2, *batches, return_exceptions=True)
            raise
        if not batches:
            ec2.cancel()
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
        self,
        ec2: asyncio.Future[BaseClient],
        batches: list[asyncio.Future[dict[str, Ec2Details]]],
    ) -> list[Mapping[str, Any]]:
        ssm = cast("SSMClient", await self._client("ssm", SSM_ACTION))
        infos: list[Mapping[str, Any]] = []
        previous: asyncio.Future[dict[str, Ec2Details]] | None = None
        token = ""
        while True:
            params: dict[str, Any] = {"MaxResults": SSM_PAGE_SIZE}
            if token:
                params["NextToken"] = token
            page = await self._call(SSM_ACTION, ssm.describe_instance_information, params)
            self.pages += 1
            page_infos = list(page.get("InstanceInformationList", ()))
            infos.extend(page_infos)
            ids = [
                str(i["InstanceId"]) for i in page_infos if str(i["InstanceId"]).startswith("i-")
            ]
            if ids:
                previous = asyncio.ensure_future(self._ec2_batch(ec2, previous, ids))
                batches.append(previous)
            token = str(page.get("NextToken") or "")
            if not token:
                return infos

    async def _ec2_batch(
        self,
        ec2: asyncio.Future[BaseClient],
        previous: asyncio.Future[dict[str, Ec2Details]] | None,
        ids: list[str],
    ) -> dict[str, Ec2Details]:
        if previous is not None:  # one call at a time per client; its outcome is collected later
            await asyncio.wait([previous])
        client = cast("EC2Client", await ec2)
        # A filter, not InstanceIds: an id EC2 no longer knows is skipped rather than failing
        # the whole call with InvalidInstanceID.NotFound.
        params: dict[str, Any] = {"Filters": [{"Name": "instance-id", "Values": ids}]}
        found: dict[str, Ec2Details] = {}
        while True:
            page = await self._call(EC2_ACTION, client.describe_instances, params)
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

    async def _client(self, service: str, action: str) -> BaseClient:
        loop = asyncio.get_running_loop()
        call = functools.partial(self._factory, self.profile, self.region, service)
        try:
            return await loop.run_in_executor(self._executor, call)
        except Exception as exc:
            raise inventory_error(exc, self.profile, self.region, action) from None

    async def _call(
        self, action: str, method: Callable[..., Any], params: dict[str, Any]
    ) -> Mapping[str, Any]:
        """`method(**params)` in the pool; throttling retried; errors translated."""
        loop = asyncio.get_running_loop()
        retry = 0
        while True:
            try:
                answer: Mapping[str, Any] = await loop.run_in_executor(
                    self._executor, functools.partial(method, **params)
                )
                return answer
            except Exception as exc:
                if not is_throttling(exc) or retry + 1 >= self._retry.attempts:
                    raise inventory_error(exc, self.profile, self.region, action) from None
            await asyncio.sleep(self._retry.delay(retry, self._rng))
            retry += 1


def _main_account(details: Mapping[str, Ec2Details]) -> str:
    """The account most EC2 instances belong to: the best guess for hybrid nodes."""
    counts = Counter(d.account for d in details.values() if d.account)
    return counts.most_common(1)[0][0] if counts else ""


def _unique(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((str(p), str(r)) for p, r in pairs))


def _key(listing: CachedListing) -> tuple[str, str]:
    return listing.profile, listing.region
