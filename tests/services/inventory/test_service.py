"""InventoryService against the fake SSM API and moto's EC2, both over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from ssmgui.core.errors import AccessDeniedError, ServiceFaultError, ThrottledError
from ssmgui.core.instance import Instance, PingStatus, Platform, instance_to_dict
from ssmgui.demo.instance import FakeInstance
from ssmgui.services.inventory.cache import (
    CachedListing,
    InventoryCache,
    cache_row,
    instance_from_row,
)
from ssmgui.services.inventory.service import InventoryService, RegionResult
from tests.loopback_servers import serving
from tests.services.inventory.conftest import KEY, PAIRS, WINDOWS_AMI, Fleet
from tests.services.inventory.test_http import read_request

EU, AP, ME = PAIRS
SSM_ACTION = "ssm:DescribeInstanceInformation"


def by_pair(results: list[RegionResult]) -> dict[tuple[str, str], RegionResult]:
    return {(r.profile, r.region): r for r in results}


@pytest.mark.slow
async def test_every_page_and_every_reservation_member_is_listed(fleet: Fleet) -> None:
    names: list[str | None] = [f"web-{n:03d}" for n in range(101)]  # SSM pages: 50, 50, 1
    ids = fleet.launch(*EU, names)
    [result] = await fleet.service().refresh([EU])
    assert result.ok and result.ssm_pages == 3
    got = {i.instance_id: i.name for i in result.instances}
    assert got == dict(zip(ids, names, strict=True))
    assert {i.account for i in result.instances} == {"123456789012"}
    assert all(i.state == "running" and i.private_ip for i in result.instances)


async def test_windows_platform_tags_missing_name_and_agent_flags(fleet: Fleet) -> None:
    [windows] = fleet.launch(*EU, ["rdp-1"], ami=WINDOWS_AMI, platform="Windows")
    [unnamed] = fleet.launch(*EU, [None], agent_version="3.0.196.0")
    [ancient] = fleet.launch(*EU, ["old"], agent_version="2.3.444.0", ping_status="Inactive")
    [result] = await fleet.service().refresh([EU])
    found = {i.instance_id: i for i in result.instances}
    assert found[windows].platform is Platform.WINDOWS and found[windows].tag("Team") == "ops"
    assert found[unnamed].name == "" and found[unnamed].display_name == unnamed
    assert found[unnamed].supports_port_forwarding and not found[unnamed].supports_multiplexing
    assert not found[ancient].supports_port_forwarding
    assert found[ancient].ping_status is PingStatus.INACTIVE
    assert found[windows].supports_multiplexing


async def test_hybrid_nodes_and_ids_ec2_does_not_know(fleet: Fleet) -> None:
    [named] = fleet.launch(*EU, ["app"])
    fake = fleet.fake(*EU)
    fake.add_instance(
        FakeInstance("mi-0123456789abcdef0", name="on-prem-db", ip_address="192.168.1.5")
    )
    fake.add_instance(FakeInstance("i-0fffffffffffffff9", name="ignored", ip_address="10.9.9.9"))
    [result] = await fleet.service().refresh([EU])
    assert result.ok
    found = {i.instance_id: i for i in result.instances}
    hybrid = found["mi-0123456789abcdef0"]
    assert hybrid.hybrid and hybrid.name == "on-prem-db" and hybrid.private_ip == "192.168.1.5"
    assert hybrid.account == "123456789012"  # the account of the pair's EC2 instances
    gone = found["i-0fffffffffffffff9"]  # terminated moments ago: SSM still lists it
    assert gone.name == "" and gone.state == "" and gone.private_ip == "10.9.9.9"
    assert found[named].name == "app"


async def test_access_denied_region_reports_alone(fleet: Fleet) -> None:
    fleet.launch(*EU, ["eu-1", "eu-2"])
    fleet.launch(*ME, ["me-1"])
    fleet.fake(*AP).deny_actions.add(SSM_ACTION)
    results = by_pair(await fleet.service().refresh(PAIRS))
    assert len(results[EU].instances) == 2 and results[EU].ok
    assert [i.name for i in results[ME].instances] == ["me-1"]
    denied = results[AP]
    assert isinstance(denied.error, AccessDeniedError) and denied.instances == ()
    assert SSM_ACTION in denied.error.user_message and "ap-south-1" in denied.error.user_message


async def test_throttling_is_retried_until_it_succeeds(fleet: Fleet) -> None:
    fleet.launch(*EU, ["one"])
    fleet.fake(*EU).throttle[SSM_ACTION] = 3
    [result] = await fleet.service().refresh([EU])
    assert result.ok and [i.name for i in result.instances] == ["one"]
    assert fleet.fake(*EU).throttle[SSM_ACTION] == 0


async def test_throttling_without_end_becomes_the_regions_error(fleet: Fleet) -> None:
    fleet.fake(*EU).throttle[SSM_ACTION] = 100
    [result] = await fleet.service(attempts=3).refresh([EU])
    assert isinstance(result.error, ThrottledError)
    assert fleet.fake(*EU).throttle[SSM_ACTION] == 97


async def test_unreachable_region_does_not_hold_back_the_others(fleet: Fleet) -> None:
    fleet.launch(*ME, ["fast"])
    slow = fleet.fake(*EU)
    await slow.stop()  # nothing listens there any more: connection refused
    started = time.perf_counter()
    results = by_pair(await fleet.service().refresh([EU, ME]))
    assert time.perf_counter() - started < 10
    assert results[ME].ok and results[ME].instances[0].name == "fast"
    error = results[EU].error
    assert error is not None and "Cannot reach AWS" in error.user_message


@pytest.mark.slow
async def test_results_stream_in_completion_order(fleet: Fleet) -> None:
    fleet.launch(*EU, ["slow"])
    fleet.launch(*ME, ["quick"])
    fleet.fake(*EU).faults.latency_s = 1.0  # far slower than the quick pair on a busy CI
    order = [(r.profile, r.region) async for r in fleet.service().stream([EU, ME])]
    assert order == [ME, EU]


async def test_cache_round_trip_and_staleness(fleet: Fleet) -> None:
    fleet.launch(*EU, ["cached-1", "cached-2"])
    service = fleet.service()
    assert service.cached([EU, ME]) == []
    [fresh] = await service.refresh([EU])
    assert not fresh.stale and fresh.fetched_at is not None
    await service.saved()  # a refresh returns before its listings are written
    [stale] = fleet.service().cached([EU, ME])  # a new start: only EU was ever listed
    assert stale.stale and stale.instances == fresh.instances
    assert stale.fetched_at == fresh.fetched_at
    text = "".join(p.read_text() for p in fleet.cache_dir.iterdir())
    assert "cached-1" in text and "testing" not in text  # names yes, credentials never
    fleet.fake(*EU).deny_actions.add(SSM_ACTION)
    [failed] = await service.refresh([EU])
    assert failed.error is not None
    await service.saved()
    [still] = service.cached([EU])  # a failed refresh keeps the last good listing
    assert still.instances == fresh.instances


class EndpointPerRegion:
    """A SessionSource sending every call of a region, SSM and EC2, to that region's URL."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls

    def session(self, _profile: str) -> boto3.Session:
        return boto3.Session(aws_access_key_id=KEY, aws_secret_access_key=KEY)

    def endpoint_url(self, _profile: str, region: str, _service: str) -> str:
        return self.urls[region]


async def test_leaving_the_stream_early_cancels_the_rest() -> None:
    """The consumer takes the first result and leaves: the pair still waiting for its first
    SSM page gives it up, closing its connection, rather than running on unseen."""
    asked: list[bytes | None] = []
    slow_asked, given_up = asyncio.Event(), asyncio.Event()

    async def never_answers(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        asked.append(await read_request(reader))
        slow_asked.set()
        await reader.read()  # returns once the client closes the connection
        given_up.set()

    async def no_instances(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        payload = json.dumps({"InstanceInformationList": []}).encode()
        while await read_request(reader) is not None:
            # Answer only once the other pair is waiting on its request: when the consumer
            # leaves, there is a request in flight to give up (it could otherwise leave
            # before that pair had even connected, and nothing would ever close).
            await slow_asked.wait()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)

    async with serving(never_answers) as slow, serving(no_instances) as quick:
        service = InventoryService(EndpointPerRegion({EU[1]: slow, ME[1]: quick}))
        async for result in service.stream([EU, ME]):
            assert result.region == ME[1]
            break
        async with asyncio.timeout(10):  # only a pair left running would make this wait
            await given_up.wait()
    assert len(asked) == 1


EVERY_FIELD = Instance(
    instance_id="i-0123456789abcdef0",
    name='web "1" é',
    platform=Platform.WINDOWS,
    ping_status=PingStatus.ONLINE,
    agent_version="3.3.1142.0",
    private_ip="10.0.0.1",
    public_ip="203.0.113.1",
    profile="p",
    region="eu-west-1",
    account="111122223333",
    last_ping=datetime(2026, 11, 1, 12, 0, 0, 256990, tzinfo=UTC),
    state="running",
    platform_name="Windows Server 2022",
    tags=(("Name", "web"), ("Team", "ops"), ("empty", "")),
)


@pytest.mark.parametrize(
    "instance",
    [EVERY_FIELD, replace(EVERY_FIELD, last_ping=None, tags=(), name="")],
)
def test_cache_rows_read_back_equal(instance: Instance) -> None:
    row = json.loads(json.dumps(cache_row(instance)))
    assert instance_from_row(row, "p", "eu-west-1") == instance


def test_cache_files_of_format_1_still_load_and_unknown_ones_are_ignored(
    tmp_path: Path,
) -> None:
    cache = InventoryCache(tmp_path)
    fetched_at = datetime(2026, 11, 2, tzinfo=UTC)
    old = {
        "version": 1,
        "profile": "p",
        "region": "eu-west-1",
        "fetched_at": fetched_at.isoformat(),
        "instances": [instance_to_dict(EVERY_FIELD, derived=False)],
    }
    tmp_path.mkdir(exist_ok=True)
    path = cache.path_for("p", "eu-west-1")
    path.write_text(json.dumps(old), encoding="utf-8")
    assert cache.load("p", "eu-west-1") == CachedListing(
        "p", "eu-west-1", (EVERY_FIELD,), fetched_at
    )
    path.write_text(json.dumps({**old, "version": 99}), encoding="utf-8")
    assert cache.load("p", "eu-west-1") is None
    path.write_text(json.dumps({**old, "version": 2, "instances": [["i-1", 2]]}))
    assert cache.load("p", "eu-west-1") is None  # unreadable: logged and ignored


def test_a_saved_listing_loads_equal(tmp_path: Path) -> None:
    cache = InventoryCache(tmp_path)
    listing = CachedListing(
        "p",
        "eu-west-1",
        (EVERY_FIELD, replace(EVERY_FIELD, instance_id="i-2")),
        datetime(2026, 11, 2, tzinfo=UTC),
    )
    cache.save(listing)
    assert cache.load("p", "eu-west-1") == listing


@pytest.mark.slow
async def test_many_pages_keep_ssm_order_and_cache_the_same_listing(fleet: Fleet) -> None:
    """Pages are built as their EC2 answers come in; the result and the cache file still
    hold every instance once, in SSM's order, hybrid nodes with the pair's account."""
    names: list[str | None] = [f"n{n:03d}" for n in range(120)]
    launched = fleet.launch(*EU, names)
    fake = fleet.fake(*EU)
    hybrids = [f"mi-{n:017x}" for n in range(60)]  # sort after every i-: a page of their own
    for hybrid in hybrids:
        fake.add_instance(FakeInstance(hybrid, name=f"on-prem-{hybrid[-3:]}"))
    service = fleet.service()
    [fresh] = await service.refresh([EU])
    assert fresh.ok and fresh.ssm_pages == 4
    assert [i.instance_id for i in fresh.instances] == sorted(launched) + hybrids
    assert {i.account for i in fresh.instances} == {"123456789012"}
    assert [i.name for i in fresh.instances[:120]] == [
        name for _id, name in sorted(zip(launched, names, strict=True))
    ]
    await service.saved()
    [cached] = fleet.service().cached([EU])
    assert cached.instances == fresh.instances


async def test_a_service_unavailable_answer_is_tried_again_as_botocore_does(fleet: Fleet) -> None:
    fleet.launch(*EU, ["one", "two"])
    fleet.fake(*EU).unavailable[SSM_ACTION] = 2  # two 503s, then the answer
    [result] = await fleet.service(attempts=3).refresh([EU])
    assert result.ok and sorted(i.name for i in result.instances) == ["one", "two"]
    assert fleet.fake(*EU).unavailable[SSM_ACTION] == 0


async def test_a_service_unavailable_beyond_the_attempts_is_the_regions_error(
    fleet: Fleet,
) -> None:
    fleet.fake(*EU).unavailable[SSM_ACTION] = 100
    [result] = await fleet.service(attempts=3).refresh([EU])
    assert result.error is not None and not result.ok
    assert fleet.fake(*EU).unavailable[SSM_ACTION] == 97  # botocore's 3 attempts


async def test_a_page_token_handed_out_twice_stops_the_listing(fleet: Fleet) -> None:
    fleet.launch(*EU, [f"web-{n}" for n in range(60)])
    fleet.fake(*EU).repeat_next_token = True
    [result] = await asyncio.wait_for(fleet.service().refresh([EU]), 30)
    assert isinstance(result.error, ServiceFaultError)
    assert "the same page token twice" in result.error.user_message
    assert result.ssm_pages == 2  # the second page handed out the first one's token again
