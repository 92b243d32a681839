"""`ssmgui doctor` against moto (STS, IAM, EC2 over HTTP) and the fake SSM API."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from ssmgui.demo.instance import FakeInstance
from ssmgui.services.doctor import Doctor, Finding, Status, plugin_finding
from ssmgui.services.tunnels.engines.plugin.locator import PluginLocator
from tests.tunnel_fixtures import World

ONE_TRY = Config(retries={"max_attempts": 1})


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def doctor(world: World, moto_url: str, clock_offset: float = 0) -> Doctor:
    iam = boto3.client("iam", endpoint_url=moto_url, region_name="eu-west-1", config=ONE_TRY,
                       aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
    user = f"doctor-{uuid.uuid4().hex[:12]}"
    iam.create_user(UserName=user)
    keys = iam.create_access_key(UserName=user)["AccessKey"]

    def client_for(service: str) -> Any:
        endpoint = world.fake.api_url if service == "ssm" else moto_url
        return boto3.client(  # type: ignore[call-overload]  # service is a runtime name
            service, endpoint_url=endpoint, region_name="eu-west-1", config=ONE_TRY,
            aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
        )  # fmt: skip

    return Doctor(
        client_for, "demo", clock=lambda: datetime.now(UTC) + timedelta(seconds=clock_offset)
    )


def by_check(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.check, []).append(finding)
    return grouped


async def test_a_healthy_profile_with_old_agents(world: World, moto_url: str) -> None:
    world.fake.add_instance(FakeInstance("i-0aaaaaaaaaaaaaa99", agent_version="2.3.600.0"))
    findings = by_check(await doctor(world, moto_url).run())
    assert findings["credentials"][0].status is Status.OK
    assert "arn:aws:iam::" in findings["credentials"][0].detail
    assert findings["clock"][0].status is Status.OK
    assert findings["ssm:DescribeInstanceInformation"][0].detail == "4 managed instances"
    assert findings["ec2:DescribeInstances"][0].status is Status.OK
    assert findings["ssm:GetConnectionStatus"][0].status is Status.OK
    agents = {f.status: f.detail for f in findings["agents"]}
    assert "i-0aaaaaaaaaaaaaa99 (2.3.600.0)" in agents[Status.FAIL]
    assert "i-0aaaaaaaaaaaaaaa2 (3.0.196.0)" in agents[Status.WARN]
    for action in ("ssm:StartSession", "ssm:ResumeSession", "ssm:TerminateSession"):
        assert findings[action][0].status in (Status.OK, Status.UNKNOWN)


@pytest.mark.slow
async def test_a_denied_listing_and_a_skewed_clock_fail(world: World, moto_url: str) -> None:
    world.fake.deny_actions.add("ssm:DescribeInstanceInformation")
    findings = by_check(await doctor(world, moto_url, clock_offset=400).run())
    assert findings["ssm:DescribeInstanceInformation"][0].status is Status.FAIL
    assert findings["ssm:DescribeInstanceInformation"][0].detail == "denied"
    assert findings["clock"][0].status is Status.FAIL
    assert "time sync" in findings["clock"][0].detail


async def test_no_network_stops_at_the_credentials_check() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"

    def client_for(service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]  # service is a runtime name
            service, endpoint_url=nowhere, region_name="eu-west-1",
                            config=ONE_TRY, aws_access_key_id="AKIAEXAMPLE",
                            aws_secret_access_key="nope")  # fmt: skip

    findings = await Doctor(client_for, "offline").run()
    assert [f.check for f in findings] == ["credentials"]
    assert findings[0].status is Status.FAIL
    assert "Cannot reach AWS" in findings[0].detail


async def test_the_plugin_is_optional_unless_chosen(tmp_path: Path) -> None:
    missing = PluginLocator(str(tmp_path / "no-such-plugin"))
    assert (await plugin_finding(missing, required=True)).status is Status.FAIL
    absent_from_path = PluginLocator(None, environ={"PATH": str(tmp_path)})
    finding = await plugin_finding(absent_from_path, required=False)
    assert finding.status in (Status.OK, Status.WARN)
