"""Start and connect's waiting, against the fake EC2 and SSM: a stopped instance goes
pending → running → online (Session Manager connected), in that order; the refusal names
ec2:StartInstances; the time limit says the instance may still come up; a hybrid node is
refused before any call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from ssmgui.demo.ec2.server import FakeEc2, FakeEc2Instance
from ssmgui.demo.fleet import agent_online_soon
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.world import FakeAws
from ssmgui.services.launch.instance_start import InstanceStarter, InstanceStartError
from tests.tunnel_fixtures import boto_session

STOPPED = "i-0aaaaaaaaaaaaa5t0"


@dataclass
class Pair:
    ssm: FakeAws
    ec2: FakeEc2

    def starter(self) -> InstanceStarter:
        urls = {"ssm": self.ssm.api_url, "ec2": self.ec2.url}
        return InstanceStarter(
            lambda _profile: boto_session(),
            lambda _profile, _region, service: urls[service],
            poll_every_s=0.05,
        )


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    async with FakeAws() as ssm:
        ec2 = FakeEc2()
        await ec2.start()
        ssm.add_instance(FakeInstance(STOPPED, ping_status="ConnectionLost"))
        ec2.add(FakeEc2Instance(STOPPED, reservation_id="r-1", state="stopped"))
        ec2.start_delay_s = 0.3
        ec2.started.append(agent_online_soon(ssm, 0.3))
        try:
            yield Pair(ssm, ec2)
        finally:
            await ec2.stop()


@pytest.mark.slow
async def test_a_stopped_instance_is_started_and_waited_for_until_online(pair: Pair) -> None:
    said: list[str] = []
    seen: list[tuple[str, str]] = []

    def progress(text: str) -> None:
        said.append(text)
        seen.append((pair.ec2.instances[STOPPED].state, pair.ssm.instances[STOPPED].ping_status))

    await pair.starter().start("p", "eu-west-1", STOPPED, progress, timeout_s=20)
    assert said[0] == f"Starting {STOPPED}…"
    assert f"{STOPPED} is pending…" in said
    assert f"{STOPPED} runs; waiting for its SSM Agent to connect…" in said
    assert said[-1] == f"{STOPPED} is online."
    # What the fake went through, in order, as the progress saw it.
    states = [state for index, state in enumerate(seen) if index == 0 or seen[index - 1] != state]
    assert states == [
        ("stopped", "ConnectionLost"),
        ("pending", "ConnectionLost"),
        ("running", "ConnectionLost"),
        ("running", "Online"),
    ]


async def test_a_refused_start_names_the_permission(pair: Pair) -> None:
    pair.ec2.deny = True
    with pytest.raises(InstanceStartError, match="needs ec2:StartInstances"):
        await pair.starter().start("prod", "eu-west-1", STOPPED, timeout_s=20)


@pytest.mark.slow
async def test_an_agent_that_never_connects_ends_with_the_time_limit(pair: Pair) -> None:
    pair.ec2.started.clear()  # runs, but its agent never connects
    with pytest.raises(InstanceStartError, match=r"did not come online .* may still be starting"):
        await pair.starter().start("p", "eu-west-1", STOPPED, timeout_s=1.0)
    # EC2 was asked to start it and goes on (on a loaded machine it may still be pending)
    assert pair.ec2.instances[STOPPED].state in ("pending", "running")


async def test_cancel_stops_the_waiting(pair: Pair) -> None:
    said: list[str] = []
    task = asyncio.ensure_future(pair.starter().start("p", "eu-west-1", STOPPED, said.append))
    async with asyncio.timeout(10):
        while not any("pending" in text for text in said):
            await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not any("online" in text for text in said)


async def test_a_hybrid_node_is_refused_before_any_call() -> None:
    def no_session(_profile: str) -> object:
        raise AssertionError("no AWS call for a hybrid node")

    starter = InstanceStarter(no_session)  # type: ignore[arg-type]
    with pytest.raises(InstanceStartError, match="hybrid"):
        await starter.start("p", "eu-west-1", "mi-0123456789abcdef0")
