"""Region names are checked as botocore checks them: the reference is botocore's own client
creation, which refuses a region name it cannot put in a host name."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.exceptions import InvalidRegionError

from ssmgui.core.errors import ConfigurationError
from ssmgui.services.aws.clients import environment_profile_name
from ssmgui.services.aws.regions import checked_region

CANDIDATES = [
    "eu-west-1",
    "us-gov-west-1",
    "cn-north-1",
    "ap-southeast-7",
    "local",
    "EU-WEST-1",
    "x@127.0.0.1:8080/",
    "eu-west-1.evil.example",
    "eu-west-1/",
    "eu west 1",
    "-eu-west-1",
    "eu-west-1-",
    "123",
    "a" * 64,
    "eu-west-1\n",
    " eu-west-1",
    "é-west-1",
]


def botocore_accepts(region: str) -> bool:
    try:
        boto3.client(
            "ssm",
            region_name=region,
            aws_access_key_id="AKIAEXAMPLE",
            aws_secret_access_key="example",
        )
    except (InvalidRegionError, ValueError):  # ValueError: the endpoint URL it built
        return False
    return True


def we_accept(region: str) -> bool:
    try:
        return checked_region(region) == region
    except ConfigurationError:
        return False


@pytest.mark.parametrize("region", CANDIDATES)
def test_a_region_is_accepted_exactly_when_botocore_accepts_it(region: str) -> None:
    assert we_accept(region) == botocore_accepts(region)


def test_the_reference_refuses_the_injection_it_is_here_for() -> None:
    assert not botocore_accepts("x@127.0.0.1:8080/")


def test_an_empty_region_is_refused_with_where_it_came_from() -> None:
    with pytest.raises(ConfigurationError, match="in --region is not an AWS region name"):
        checked_region("", "--region")


@pytest.mark.parametrize(
    "environment",
    [{}, {"AWS_PROFILE": "b"}, {"AWS_DEFAULT_PROFILE": "a"},
     {"AWS_DEFAULT_PROFILE": "a", "AWS_PROFILE": "b"}],
)  # fmt: skip
def test_the_unnamed_profile_is_botocores_choice(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text("[profile a]\n[profile b]\n[default]\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    expected = boto3.Session().profile_name  # the reference: what boto3 itself picks
    assert environment_profile_name() == expected
