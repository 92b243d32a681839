"""Inventory benchmark: listing 7,200 instances across 3 profiles × 6 regions.

The fake AWS (`python -m ssmgui.demo.fleet`: one fake SSM API and one fake EC2 per pair,
400 instances each) runs in its own process with 30 ms per API call (15 ms one-way), so
this process is only the client, like ssmgui on a laptop. In one run:

1. wall time of `InventoryService` listing every pair concurrently, cold (first run in the
   process: botocore loads its models) and warm (the median of five: the figure a refresh
   costs, `wall_s`): until every pair's result is delivered; the cache files, written after
   delivery, are awaited before the next listing starts (`wall_saved_s`: until they are
   written too). `client_cpu_s` is the CPU the client's event-loop thread
   spent on that median listing: the listing is CPU-bound on this 2-core machine (the fake
   takes the other core), so its wall is about this plus 50–70 ms (nothing to do until the
   first answers, the last pages to build after the last ones), and a slower phase of a
   shared VM shows in both figures alike;
2. the critical-path bound: the slowest pair's sequential calls × 30 ms — its SSM pages
   one after another, plus the EC2 lookup of the last page, which cannot start earlier;
3. a naive sequential listing of the same pairs (one call at a time, as a script looping
   over `aws ssm describe-instance-information` and `aws ec2 describe-instances` would);
4. the first cached list: a fresh interpreter imports the cache module, reads the 18
   cached listings written by step 1, filters and sorts them.

Targets: warm wall ≤ 1.25 × bound; ≥ 8× faster than sequential; cached list ≤ 300 ms.
Run: python bench/inventory.py. The last line printed is one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NamedTuple

import boto3

from ssmgui.services.inventory.cache import InventoryCache
from ssmgui.services.inventory.service import SSM_PAGE_SIZE, InventoryService, RegionResult
from ssmgui.services.inventory.sessions import ProfileSessions

LATENCY_ONE_WAY_S = 0.015  # the fake answers after 2 × this: 30 ms per API call
PER_CALL_S = 2 * LATENCY_ONE_WAY_S
PROFILES, REGIONS, PER_PAIR = 3, 6, 400
DEMO_KEY = "AKIADEMOEXAMPLE00001"

CACHED_PROBE = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from ssmgui.core.instance import filter_instances, sort_instances
from ssmgui.services.inventory.cache import InventoryCache
cache = InventoryCache(Path(sys.argv[1]))
pairs = [tuple(p) for p in __import__("json").loads(sys.argv[2])]
listings = [cache.load(p, r) for p, r in pairs]
shown = sort_instances(i for l in listings if l for i in l.instances)
filter_instances(shown, "web")
print(len(shown), (time.perf_counter() - started) * 1000)
"""


@asynccontextmanager
async def fleet_process() -> AsyncIterator[dict[tuple[str, str], dict[str, Any]]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ssmgui.demo.fleet",
            "--latency-ms",
            str(LATENCY_ONE_WAY_S * 1000),
            "--profiles",
            str(PROFILES),
            "--regions",
            str(REGIONS),
            "--per-pair",
            str(PER_PAIR),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        line = await asyncio.to_thread(process.stdout.readline)
        if not line.startswith("{"):
            raise RuntimeError("the fake fleet process exited early")
        pairs = json.loads(line)["pairs"]
        yield {(p["profile"], p["region"]): p for p in pairs}
    finally:
        process.terminate()
        process.wait(10)


def sessions_for(endpoints: dict[tuple[str, str], dict[str, Any]]) -> ProfileSessions:
    def session_for(_profile: str) -> boto3.Session:
        return boto3.Session(aws_access_key_id=DEMO_KEY, aws_secret_access_key="demo")

    def endpoint(profile: str, region: str, service: str) -> str:
        return str(endpoints[profile, region]["ssm_url" if service == "ssm" else "ec2_url"])

    return ProfileSessions(session_for, endpoint_url_for=endpoint)


class Timing(NamedTuple):
    """One listing: seconds until every result is delivered, until the cache files are
    written too (the service writes them after delivering: inventory_saver.py), and the CPU
    seconds this thread — the client's event loop — spent until delivery."""

    delivered: float
    saved: float
    cpu: float


async def timed_listing(service: InventoryService, pairs: list[tuple[str, str]]) -> Timing:
    started, cpu_started = time.perf_counter(), time.thread_time()
    results = await service.refresh(pairs)
    delivered, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
    await service.saved()
    saved = time.perf_counter() - started
    check(results)
    return Timing(delivered, saved, cpu)


def check(results: list[RegionResult]) -> None:
    errors = [r.error.user_message for r in results if r.error]
    assert not errors, errors
    total = sum(len(r.instances) for r in results)
    assert total == PROFILES * REGIONS * PER_PAIR, total


def boto3_client(sessions: ProfileSessions, profile: str, region: str, service: str) -> Any:
    endpoint = sessions.endpoint_url(profile, region, service)
    return sessions.session(profile).client(service, region_name=region, endpoint_url=endpoint)  # type: ignore[call-overload]  # service is a runtime str


def sequential_listing(sessions: ProfileSessions, pairs: list[tuple[str, str]]) -> float:
    """One boto3 call at a time: every SSM page, then EC2 for each page's ids."""
    started = time.perf_counter()
    total = 0
    for profile, region in pairs:
        ssm = boto3_client(sessions, profile, region, "ssm")
        ec2 = boto3_client(sessions, profile, region, "ec2")
        ids: list[str] = []
        for page in ssm.get_paginator("describe_instance_information").paginate(
            PaginationConfig={"PageSize": SSM_PAGE_SIZE}
        ):
            ids += [i["InstanceId"] for i in page["InstanceInformationList"]]
        for start in range(0, len(ids), SSM_PAGE_SIZE):
            batch = [i for i in ids[start : start + SSM_PAGE_SIZE] if i.startswith("i-")]
            ec2.describe_instances(Filters=[{"Name": "instance-id", "Values": batch}])
        total += len(ids)
    assert total == PROFILES * REGIONS * PER_PAIR, total
    return time.perf_counter() - started


def cached_first_list_ms(cache_dir: Path, pairs: list[tuple[str, str]]) -> tuple[float, int]:
    answer = subprocess.run(
        [sys.executable, "-c", CACHED_PROBE, str(cache_dir), json.dumps(pairs)],
        capture_output=True,
        text=True,
        check=True,
    )
    count, milliseconds = answer.stdout.split()
    return float(milliseconds), int(count)


async def cold_and_warm(
    sessions: ProfileSessions,
    cache: InventoryCache,
    pairs: list[tuple[str, str]],
    warm_listings: int,
) -> tuple[float, Timing]:
    """The first listing's wall time, and the median (by delivery) of the next ones."""
    service = InventoryService(sessions, cache=cache)
    cold = await timed_listing(service, pairs)
    warm = sorted([await timed_listing(service, pairs) for _ in range(warm_listings)])
    return cold.delivered, warm[warm_listings // 2]


async def run() -> dict[str, float]:
    async with fleet_process() as endpoints:
        pairs = list(endpoints)
        with tempfile.TemporaryDirectory(prefix="ssmgui-bench-") as directory:
            cache = InventoryCache(Path(directory))
            sessions = sessions_for(endpoints)
            cold, warm = await cold_and_warm(sessions, cache, pairs, 5)
            pages = max(math.ceil(p["count"] / SSM_PAGE_SIZE) for p in endpoints.values())
            bound = (pages + 1) * PER_CALL_S
            sequential = await asyncio.to_thread(sequential_listing, sessions, pairs)
            cached_ms, cached_count = cached_first_list_ms(Path(directory), pairs)
            assert cached_count == len(pairs) * PER_PAIR
    return {
        "instances": float(len(pairs) * PER_PAIR),
        "pairs": float(len(pairs)),
        "per_call_latency_s": PER_CALL_S,
        "wall_s": warm.delivered,
        "wall_saved_s": warm.saved,
        "client_cpu_s": warm.cpu,
        "wall_cold_s": cold,
        "bound_s": bound,
        "sequential_s": sequential,
        "ratio_to_bound": warm.delivered / bound,
        "ratio_to_bound_cold": cold / bound,
        "speedup_vs_sequential": sequential / warm.delivered,
        "cached_first_list_ms": cached_ms,
    }


def report(figures: dict[str, float], say: Callable[[str], None] = print) -> None:
    say(
        f"{int(figures['instances'])} instances in {int(figures['pairs'])} (profile, region) "
        f"pairs, {figures['per_call_latency_s'] * 1000:.0f} ms per API call"
    )
    say(f"  wall (warm)        {figures['wall_s']:.3f} s   ×{figures['ratio_to_bound']:.2f} bound")
    say(f"  … and cached       {figures['wall_saved_s']:.3f} s   (files written after delivery)")
    say(
        f"  client CPU         {figures['client_cpu_s']:.3f} s   "
        "(its event loop's thread until delivery: a floor under the wall)"
    )
    say(
        f"  wall (cold)        {figures['wall_cold_s']:.3f} s   "
        f"×{figures['ratio_to_bound_cold']:.2f} bound"
    )
    say(f"  critical-path bound {figures['bound_s']:.3f} s")
    say(
        f"  sequential         {figures['sequential_s']:.3f} s   "
        f"(×{figures['speedup_vs_sequential']:.1f} slower)"
    )
    say(f"  first cached list  {figures['cached_first_list_ms']:.0f} ms (fresh interpreter)")
    say(json.dumps({key: round(value, 4) for key, value in figures.items()}))


if __name__ == "__main__":
    report(asyncio.run(run()))
