"""StreamUrl checks: the token goes only to AWS Session Manager, or to an explicitly named fake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssmgui.core.errors import EndpointRejectedError
from ssmgui.ssm.endpoints import check_stream_url

SID = "/v1/data-channel/user-0abc?role=publish_subscribe"


@pytest.mark.parametrize(
    "host",
    [
        "ssmmessages.eu-west-1.amazonaws.com",
        "ssmmessages.us-gov-west-1.amazonaws.com",
        "ssmmessages.cn-north-1.amazonaws.com.cn",
        "ssmmessages-fips.us-east-1.amazonaws.com",
        "ssmmessages.ap-southeast-2.api.aws",
        "vpce-0a1b2c3d4e5f-abcdefgh.ssmmessages.eu-central-1.vpce.amazonaws.com",
        "vpce-0a1b2c3d4e5f-abcdefgh-eu-central-1a.ssmmessages.eu-central-1.vpce.amazonaws.com",
        "ssmmessages.us-iso-east-1.c2s.ic.gov",
    ],
)
def test_aws_endpoints_are_accepted(host: str) -> None:
    check_stream_url(f"wss://{host}{SID}&cell-number=AAAA")


@pytest.mark.parametrize(
    "url",
    [
        f"ws://ssmmessages.eu-west-1.amazonaws.com{SID}",  # not TLS
        f"wss://ssmmessages.eu-west-1.amazonaws.com.evil.example{SID}",
        f"wss://evil.example/ssmmessages.eu-west-1.amazonaws.com{SID}",
        f"wss://xssmmessages.eu-west-1.amazonaws.com{SID}",
        f"ws://127.0.0.1:8080{SID}",
        f"https://ssmmessages.eu-west-1.amazonaws.com{SID}",
    ],
)
def test_anything_else_is_refused_with_a_clear_message(url: str) -> None:
    with pytest.raises(EndpointRejectedError, match="not an AWS Session Manager endpoint"):
        check_stream_url(url)


def test_a_named_fake_is_allowed_explicitly() -> None:
    check_stream_url(f"ws://127.0.0.1:8080{SID}", frozenset({"127.0.0.1:8080"}))
    check_stream_url(f"ws://127.0.0.1:8080{SID}", frozenset({"127.0.0.1"}))
    with pytest.raises(EndpointRejectedError):
        check_stream_url(f"ws://127.0.0.1:9090{SID}", frozenset({"127.0.0.1:8080"}))


@pytest.mark.parametrize(
    "host",
    [
        "ssmmessages.eusc-de-east-1.amazonaws.eu",
        "ssmmessages.eusc-de-east-1.api.amazonwebservices.eu",
        "ssmmessages.cn-north-1.api.amazonwebservices.com.cn",
        "ssmmessages.us-isob-east-1.sc2s.sgov.gov",
        "ssmmessages.eu-isoe-west-1.cloud.adc-e.uk",
        "ssmmessages-fips.us-gov-west-1.api.aws",
    ],
)
def test_every_partition_botocore_knows_is_accepted(host: str) -> None:
    check_stream_url(f"wss://{host}{SID}")


def test_every_host_of_the_reference_vectors_is_accepted() -> None:
    """The StreamUrls AWS's own client was given in the signing vectors (data/)."""
    cases = json.loads((Path(__file__).with_name("data") / "ws-upgrade-sigv4.json").read_text())
    for url in {case["url"] for case in cases}:
        check_stream_url(url)
