"""The listing sends each call where botocore would send it for the same profile.

The reference is a botocore client made separately for the profile (`meta.endpoint_url`);
the matrix covers every partition's domain, FIPS, dual-stack, `endpoint_url` in the profile,
a `[services]` section, the environment's overrides and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
The listing used to build `https://<service>.<region>.amazonaws.com` itself: 200 of 312
such combinations differed from botocore.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.session
import pytest

from ssmgui.services.inventory.cache import InventoryCache
from ssmgui.services.inventory.service import InventoryService, RetryPolicy
from ssmgui.services.inventory.sessions import ProfileSessions
from tests.services.inventory.conftest import KEY, PAIRS, Fleet

pytestmark = pytest.mark.slow

EU = PAIRS[0]  # alpha, eu-north-1
REGIONS = ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1",
           "eusc-de-east-1", "ap-southeast-7"]  # fmt: skip
SETTINGS = {
    "none": ("", {}),
    "fips": ("use_fips_endpoint = true\n", {}),
    "dualstack": ("use_dualstack_endpoint = true\n", {}),
    "profile endpoint_url": ("endpoint_url = https://vpce.example.internal\n", {}),
    "services section": ("services = private\n", {}),
    "environment": ("", {"AWS_ENDPOINT_URL_EC2": "https://ec2.proxy.example"}),
    "ignore configured": (
        "endpoint_url = https://vpce.example.internal\n",
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
    ),
}
SERVICES_SECTION = """
[services private]
ssm =
  endpoint_url = https://ssm.vpce.example.internal
ec2 =
  endpoint_url = https://ec2.vpce.example.internal
"""


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_EC2",
                 "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT", "AWS_PROFILE",
                 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEY)
    yield monkeypatch


def botocore_answer(session: botocore.session.Session, region: str, service: str) -> str:
    return str(session.create_client(service, region_name=region).meta.endpoint_url)


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_every_endpoint_is_botocores(
    setting: str, tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    lines, environment = SETTINGS[setting]
    config = tmp_path / "config"
    config.write_text(f"[profile p]\n{lines}{SERVICES_SECTION}", encoding="utf-8")
    clean_environment.setenv("AWS_CONFIG_FILE", str(config))
    for name, value in environment.items():
        clean_environment.setenv(name, value)
    ours = ProfileSessions(lambda profile: boto3.Session(profile_name=profile))
    reference = botocore.session.Session(profile="p")
    for region in REGIONS:
        for service in ("ssm", "ec2"):
            expected = botocore_answer(reference, region, service)
            assert ours.endpoint_url("p", region, service) == expected, (region, service)


async def test_a_listing_follows_the_profiles_services_section(
    fleet: Fleet, tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    """End to end: no override from us; the profile's own configuration names the fakes."""
    fleet.launch(*EU, ["web"])
    config = tmp_path / "config"
    config.write_text(
        f"[profile alpha]\nservices = fakes\n\n[services fakes]\n"
        f"ssm =\n  endpoint_url = {fleet.fake(*EU).api_url}\n"
        f"ec2 =\n  endpoint_url = {fleet.moto_url}\n",
        encoding="utf-8",
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[alpha]\naws_access_key_id = {KEY}\naws_secret_access_key = {KEY}\n", encoding="utf-8"
    )
    clean_environment.setenv("AWS_CONFIG_FILE", str(config))
    clean_environment.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    service = InventoryService(
        ProfileSessions(lambda profile: boto3.Session(profile_name=profile)),
        cache=InventoryCache(tmp_path / "cache"),
        retry=RetryPolicy(attempts=1),
    )
    try:
        [result] = await service.refresh([EU])
    finally:
        await service.aclose()
    assert result.ok, result.error
    assert [i.name for i in result.instances] == ["web"]
