"""inventory_fetch: the lean answers equal botocore's, AWS errors become the same
`SsmGuiError`s on both paths, and an expired token makes the HTTP path read credentials again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import botocore.session
import pytest

from ssmgui.core.errors import AccessDeniedError, CredentialsError
from ssmgui.demo import FakeAws, FakeInstance
from ssmgui.demo.ec2 import FakeEc2, FakeEc2Instance
from ssmgui.services import lean_parsers
from ssmgui.services.aws_http import HttpResponse
from ssmgui.services.inventory import Fetcher, InventoryService, RetryPolicy
from ssmgui.services.inventory_clients import session_client_factory
from ssmgui.services.inventory_fetch import client_error, ec2_form, form_body
from tests.inventory.conftest import KEY, ONE_ATTEMPT
from tests.inventory.test_aws_http import read_request, serving

REGION = "eu-west-1"
REAL_SHAPED_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
 <requestId>r</requestId>
 <reservationSet><item><reservationId>r-1</reservationId><ownerId>111122223333</ownerId>
  <groupSet/><instancesSet><item>
   <instanceId>i-0abc</instanceId><imageId>ami-1</imageId>
   <instanceState><code>16</code><name>running</name></instanceState>
   <privateIpAddress>10.0.0.5</privateIpAddress><ipAddress>203.0.113.9</ipAddress>
   <platform>windows</platform>
   <networkInterfaceSet><item><privateIpAddress>10.9.9.9</privateIpAddress></item>
   </networkInterfaceSet>
   <tagSet><item><key>Name</key><value>web &amp; db</value></item>
    <item><key>Empty</key><value/></item></tagSet>
  </item><item><instanceId>i-0def</instanceId>
   <instanceState><code>80</code><name>stopped</name></instanceState></item>
  </instancesSet></item></reservationSet>
 <nextToken>page-2</nextToken>
</DescribeInstancesResponse>"""


def botocore_lean(body: bytes) -> dict[str, Any]:
    session = botocore.session.get_session()
    factory = lean_parsers.LeanParserFactory(lean_parsers.lean_shapes(session))
    shape = session.get_service_model("ec2").operation_model("DescribeInstances").output_shape
    parsed: dict[str, Any] = factory.create_parser("ec2").parse(
        {"status_code": 200, "headers": {}, "body": body}, shape
    )
    parsed.pop("ResponseMetadata", None)
    return parsed


def test_lean_xml_equals_botocores_lean_parse() -> None:
    assert lean_parsers.ec2_instances_page(REAL_SHAPED_XML) == botocore_lean(REAL_SHAPED_XML)
    page = lean_parsers.ec2_instances_page(REAL_SHAPED_XML)
    first = page["Reservations"][0]["Instances"][0]
    assert first["PrivateIpAddress"] == "10.0.0.5"  # not the nested interface's
    assert first["Tags"][0] == {"Key": "Name", "Value": "web & db"}


def test_ec2_form_matches_the_query_protocol() -> None:
    form = ec2_form(
        {"Filters": [{"Name": "instance-id", "Values": ["i-1", "i-2"]}], "NextToken": "t"}
    )
    assert form == [
        ("Action", "DescribeInstances"),
        ("Version", "2016-11-15"),
        ("Filter.1.Name", "instance-id"),
        ("Filter.1.Value.1", "i-1"),
        ("Filter.1.Value.2", "i-2"),
        ("NextToken", "t"),
    ]


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            b'{"__type":"com.amazon#AccessDeniedException","message":"no"}',
            "AccessDeniedException",
            "no",
        ),
        (
            b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow</Message>"
            b"</Error></Errors></Response>",
            "RequestLimitExceeded",
            "slow",
        ),
        (b"<html>Bad gateway</html>", "502", ""),
        (b"", "502", ""),
    ],
)
def test_error_answers_become_client_errors(body: bytes, code: str, message: str) -> None:
    error = client_error(HttpResponse(502, {}, body), "DescribeInstances")
    assert error.response["Error"] == {"Code": code, "Message": message}


@pytest.fixture
async def pair() -> AsyncIterator[tuple[FakeAws, FakeEc2]]:
    ssm, ec2 = FakeAws(region=REGION, sigv4="off"), FakeEc2()
    await ssm.start()
    await ec2.start()
    for n in range(3):
        ssm.add_instance(FakeInstance(f"i-000000000000000{n}"))
        ec2.add(FakeEc2Instance(f"i-000000000000000{n}", "r-1", tags={"Name": f"n{n}"}))
    yield ssm, ec2
    await ssm.stop()
    await ec2.stop()


def service_for(ssm_url: str, ec2_url: str, fetcher: Fetcher) -> InventoryService:
    def session_for(_profile: str) -> boto3.Session:
        return boto3.Session(aws_access_key_id=KEY, aws_secret_access_key=KEY)

    urls = {"ssm": ssm_url, "ec2": ec2_url}
    factory = session_client_factory(
        session_for, config=ONE_ATTEMPT, endpoint_url_for=lambda _p, _r, service: urls[service]
    )
    retry = RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=0.02)
    return InventoryService(factory, fetcher=fetcher, retry=retry)


@pytest.mark.parametrize("fetcher", ["http", "boto3"])
async def test_ec2_denied_keeps_ssm_listing_and_names_the_action(
    pair: tuple[FakeAws, FakeEc2], fetcher: Fetcher
) -> None:
    ssm, ec2 = pair
    ec2.deny = True
    [result] = await service_for(ssm.api_url, ec2.url, fetcher).refresh([("p", REGION)])
    assert len(result.instances) == 3 and all(i.name == "" for i in result.instances)
    assert isinstance(result.error, AccessDeniedError)
    assert "ec2:DescribeInstances" in result.error.user_message


@pytest.mark.parametrize("fetcher", ["http", "boto3"])
async def test_ec2_throttling_is_retried(pair: tuple[FakeAws, FakeEc2], fetcher: Fetcher) -> None:
    ssm, ec2 = pair
    ec2.throttle = 2
    [result] = await service_for(ssm.api_url, ec2.url, fetcher).refresh([("p", REGION)])
    assert result.ok and sorted(i.name for i in result.instances) == ["n0", "n1", "n2"]
    assert ec2.throttle == 0


async def test_expired_token_reads_credentials_again_once(tmp_path: Path) -> None:
    expired_answers = [2]  # the first two SSM calls say the token expired
    reads: list[str] = []

    async def ssm(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await read_request(reader) is not None:
            answer: dict[str, Any]
            if expired_answers[0] > 0:
                expired_answers[0] -= 1
                status, answer = 400, {"__type": "ExpiredTokenException", "message": "expired"}
            else:
                status, answer = 200, {"InstanceInformationList": []}
            payload = json.dumps(answer).encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Length: {len(payload)}\r\n\r\n".encode() + payload
            )

    def session_for(profile: str) -> boto3.Session:
        reads.append(profile)
        return boto3.Session(aws_access_key_id=KEY, aws_secret_access_key=KEY)

    class CountingSessions:
        def session(self, profile: str) -> boto3.Session:
            return session_for(profile)

        def endpoint_url(self, _profile: str, _region: str, _service: str) -> str:
            return url

        def __call__(self, *_args: str) -> Any:
            raise AssertionError("the HTTP path makes no boto3 client")

    async with serving(ssm) as url:
        service = InventoryService(CountingSessions())
        [first] = await service.refresh([("p", REGION)])  # expired, read again, expired again
        [second] = await service.refresh([("p", REGION)])
    assert isinstance(first.error, CredentialsError) and "expired" in first.error.user_message
    assert second.ok and second.instances == ()
    assert reads == ["p", "p", "p"]


@pytest.mark.parametrize(
    "fields",
    [
        ec2_form({"Filters": [{"Name": "instance-id", "Values": ["i-0abc", "i-1"]}]}),
        [("NextToken", "eyJ2IjoxfQ==/+x y"), ("Filter.1.Value.1", "naïve & <odd>~ok")],
        [("Empty", ""), ("Tilde.dash_under", "a.b-c_d~e")],
    ],
)
def test_form_body_equals_urlencode(fields: list[tuple[str, str]]) -> None:
    assert form_body(fields) == urlencode(fields).encode()
