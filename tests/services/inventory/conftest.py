"""Inventory fixtures: moto's EC2 over HTTP, one fake SSM API per (profile, region), and an
InventoryService wired to both."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.world import FakeAws
from ssmgui.services.inventory.cache import InventoryCache
from ssmgui.services.inventory.service import InventoryService, RetryPolicy
from ssmgui.services.inventory.sessions import ProfileSessions

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import TagTypeDef

KEY = "testing"  # moto's server does not check signatures
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})
LINUX_AMI = "ami-1e749f67"  # in moto's default AMI list (no platform: Linux)
WINDOWS_AMI = "ami-03cf127a"  # moto: a Windows AMI (Platform "windows")


@pytest.fixture(autouse=True)
async def close_inventory_services(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Every InventoryService a test makes (the CLI's too) closes the connections it kept
    for a next refresh when the test ends, as the application does when it quits."""
    made: list[InventoryService] = []
    original = InventoryService.__init__

    def recording(service: InventoryService, *args: Any, **kwargs: Any) -> None:
        original(service, *args, **kwargs)
        made.append(service)

    monkeypatch.setattr(InventoryService, "__init__", recording)
    yield
    for service in made:
        await service.aclose()


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def ec2_client(moto_url: str, region: str) -> EC2Client:
    client: EC2Client = boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=moto_url,
        aws_access_key_id=KEY,
        aws_secret_access_key=KEY,
        config=ONE_ATTEMPT,
    )
    return client


@dataclass
class Fleet:
    """Fake SSM per (profile, region) + moto EC2 (moto keeps each region apart)."""

    moto_url: str
    cache_dir: Path
    ssm: dict[tuple[str, str], FakeAws] = field(default_factory=dict)

    def fake(self, profile: str, region: str) -> FakeAws:
        return self.ssm[profile, region]

    def launch(
        self,
        profile: str,
        region: str,
        names: list[str | None],
        *,
        ami: str = LINUX_AMI,
        **ssm_fields: Any,
    ) -> list[str]:
        """Run len(names) instances in ONE reservation; name them (None: no Name tag); make
        each an SSM node of (profile, region). Returns moto's ids in order."""
        ec2 = ec2_client(self.moto_url, region)
        answer = ec2.run_instances(ImageId=ami, MinCount=len(names), MaxCount=len(names))
        ids = [item["InstanceId"] for item in answer["Instances"]]
        for instance_id, name in zip(ids, names, strict=True):
            tags: list[TagTypeDef] = [{"Key": "Team", "Value": "ops"}]
            if name is not None:
                tags.append({"Key": "Name", "Value": name})
            ec2.create_tags(Resources=[instance_id], Tags=tags)
            self.fake(profile, region).add_instance(FakeInstance(instance_id, **ssm_fields))
        return ids

    def service(self, *, cache: bool = True, attempts: int = 6) -> InventoryService:
        def session_for(_profile: str) -> boto3.Session:
            return boto3.Session(aws_access_key_id=KEY, aws_secret_access_key=KEY)

        def endpoint(profile: str, region: str, service: str) -> str:
            return self.fake(profile, region).api_url if service == "ssm" else self.moto_url

        return InventoryService(
            ProfileSessions(session_for, endpoint_url_for=endpoint),
            cache=InventoryCache(self.cache_dir) if cache else None,
            retry=RetryPolicy(attempts=attempts, time_scale=0.01),
        )


PAIRS = [("alpha", "eu-north-1"), ("alpha", "ap-south-1"), ("beta", "me-south-1")]


@pytest.fixture
async def fleet(moto_url: str, tmp_path: Path) -> AsyncIterator[Fleet]:
    world = Fleet(moto_url, tmp_path / "cache")
    for profile, region in PAIRS:
        fake = FakeAws(region=region, sigv4="off")
        await fake.start()
        world.ssm[profile, region] = fake
    try:
        yield world
    finally:
        for fake in world.ssm.values():
            await fake.stop()
