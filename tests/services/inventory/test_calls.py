"""calls.py and parsing.py: answers read as botocore reads them, AWS errors become the
`SsmGuiError`s that name the refused action, and an expired token makes the calls read
credentials again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import exceptions as boto_errors
from botocore.parsers import ResponseParserFactory

from ssmgui.core.errors import AccessDeniedError, CredentialsError
from ssmgui.core.instance import Platform
from ssmgui.demo.ec2 import server as ec2_module
from ssmgui.demo.ec2.server import FakeEc2, FakeEc2Instance
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.world import FakeAws
from ssmgui.services.inventory import parsing
from ssmgui.services.inventory.calls import client_error, ec2_form
from ssmgui.services.inventory.http import HttpResponse
from ssmgui.services.inventory.records import Ec2Details, Ec2Page, ec2_details
from ssmgui.services.inventory.service import InventoryService, RetryPolicy
from ssmgui.services.inventory.sessions import ProfileSessions
from tests.loopback_servers import serving
from tests.services.inventory.conftest import KEY, ONE_ATTEMPT
from tests.services.inventory.test_http import read_request

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


#: DescribeInstances as AWS writes it: pretty-printed, with the nested lists and structures
#: whose members share names with the instance's own (privateIpAddress, name, item, key).
FULL_AWS_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
    <reservationSet>
        <item>
            <reservationId>r-1234567890abcdef0</reservationId>
            <ownerId>123456789012</ownerId>
            <groupSet/>
            <instancesSet>
                <item>
                    <instanceId>i-1234567890abcdef0</instanceId>
                    <imageId>ami-bff32ccc</imageId>
                    <instanceState>
                        <code>16</code>
                        <name>running</name>
                    </instanceState>
                    <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
                    <dnsName>ec2-54-194-252-215.eu-west-1.compute.amazonaws.com</dnsName>
                    <reason/>
                    <keyName>my_keypair</keyName>
                    <amiLaunchIndex>0</amiLaunchIndex>
                    <productCodes/>
                    <instanceType>t2.micro</instanceType>
                    <launchTime>2018-05-08T16:46:19.000Z</launchTime>
                    <placement>
                        <availabilityZone>eu-west-1c</availabilityZone>
                        <groupName/>
                        <tenancy>default</tenancy>
                    </placement>
                    <monitoring><state>disabled</state></monitoring>
                    <subnetId>subnet-56f5f633</subnetId>
                    <vpcId>vpc-11112222</vpcId>
                    <privateIpAddress>192.168.1.88</privateIpAddress>
                    <ipAddress>54.194.252.215</ipAddress>
                    <sourceDestCheck>true</sourceDestCheck>
                    <groupSet>
                        <item><groupId>sg-e4076980</groupId><groupName>SecurityGroup1</groupName></item>
                    </groupSet>
                    <architecture>x86_64</architecture>
                    <rootDeviceType>ebs</rootDeviceType>
                    <rootDeviceName>/dev/xvda</rootDeviceName>
                    <blockDeviceMapping>
                        <item>
                            <deviceName>/dev/xvda</deviceName>
                            <ebs><volumeId>vol-1234567890abcdef0</volumeId><status>attached</status>
                            <attachTime>2015-12-22T10:44:09.000Z</attachTime>
                            <deleteOnTermination>true</deleteOnTermination></ebs>
                        </item>
                    </blockDeviceMapping>
                    <virtualizationType>hvm</virtualizationType>
                    <clientToken>xMcwG14507example</clientToken>
                    <tagSet>
                        <item><key>Name</key><value>Server_1 &amp; &lt;db&gt; &#233;</value></item>
                        <item><key>Team</key><value/></item>
                        <item><key>Name</key><value>renamed</value></item>
                    </tagSet>
                    <hypervisor>xen</hypervisor>
                    <networkInterfaceSet>
                        <item>
                            <networkInterfaceId>eni-551ba033</networkInterfaceId>
                            <ownerId>999988887777</ownerId>
                            <status>in-use</status>
                            <privateIpAddress>192.168.1.99</privateIpAddress>
                            <association>
                                <publicIp>54.194.252.216</publicIp>
                                <ipOwnerId>amazon</ipOwnerId>
                            </association>
                            <privateIpAddressesSet>
                                <item><privateIpAddress>192.168.1.99</privateIpAddress>
                                <primary>true</primary></item>
                            </privateIpAddressesSet>
                        </item>
                    </networkInterfaceSet>
                    <ebsOptimized>false</ebsOptimized>
                    <metadataOptions><state>applied</state><httpTokens>required</httpTokens>
                    </metadataOptions>
                    <platformDetails>Linux/UNIX</platformDetails>
                </item>
                <item>
                    <instanceId>i-0598c7d356eba48d7</instanceId>
                    <instanceState><code>80</code><name>stopped</name></instanceState>
                    <platform>windows</platform>
                    <privateIpAddress>192.168.1.90</privateIpAddress>
                    <tagSet/>
                </item>
            </instancesSet>
        </item>
        <item>
            <reservationId>r-no-owner</reservationId>
            <instancesSet>
                <item><instanceId>i-0000000000000000a</instanceId></item>
            </instancesSet>
        </item>
        <item><reservationId>r-empty</reservationId><ownerId>1</ownerId><instancesSet/></item>
    </reservationSet>
    <nextToken>eyJ2IjoxfQ==</nextToken>
</DescribeInstancesResponse>"""


def botocore_parse(body: bytes) -> dict[str, Any]:
    """What boto3's DescribeInstances returns for `body` (botocore's own, full parser)."""
    session = botocore.session.get_session()
    shape = session.get_service_model("ec2").operation_model("DescribeInstances").output_shape
    assert shape is not None
    parsed: dict[str, Any] = (
        ResponseParserFactory()
        .create_parser("ec2")
        .parse({"status_code": 200, "headers": {}, "body": body}, shape)
    )
    return parsed


def ec2_page(page: Mapping[str, Any]) -> Ec2Page:
    """What the inventory keeps of boto3's DescribeInstances dict (`botocore_parse`)."""
    found: dict[str, Ec2Details] = {}
    for reservation in page.get("Reservations", ()):
        account = str(reservation.get("OwnerId", ""))
        for item in reservation.get("Instances", ()):
            tags = {str(t.get("Key", "")): str(t.get("Value", "")) for t in item.get("Tags", ())}
            found[str(item["InstanceId"])] = ec2_details(
                tags,
                state=str(item.get("State", {}).get("Name", "")),
                platform=item.get("Platform"),
                private_ip=str(item.get("PrivateIpAddress", "")),
                public_ip=str(item.get("PublicIpAddress", "")),
                account=account,
            )
    return Ec2Page(found, str(page.get("NextToken") or ""))


def fake_ec2_xml() -> bytes:
    """An answer of the demo's FakeEc2 (what the benchmark parses), with an optional field
    left out, a public IP, escaping and an instance in a reservation of its own."""
    instances = [
        FakeEc2Instance("i-0a", "r-1", private_ip="10.0.0.1", tags={"Name": "a & <b>"}),
        FakeEc2Instance("i-0b", "r-1", platform="windows", public_ip="203.0.113.5"),
        FakeEc2Instance("i-0c", "r-2", state="stopped", owner_id="210987654321", tags={}),
    ]
    return ec2_module._describe_xml(instances, "50", ec2_module._item_texts()).encode()


@pytest.mark.parametrize(
    "body",
    [
        FULL_AWS_XML,
        REAL_SHAPED_XML,
        fake_ec2_xml(),
        b'<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        b"<reservationSet/></DescribeInstancesResponse>",
        b"<DescribeInstancesResponse><reservationSet><item><ownerId>7</ownerId><instancesSet>"
        b"<item><instanceId>i-1</instanceId><instanceState/><tagSet><item><value>v</value>"
        b"</item></tagSet></item></instancesSet></item></reservationSet><nextToken/>"
        b"</DescribeInstancesResponse>",
        b"<DescribeInstancesResponse><reservationSet><item><instancesSet><item>"
        b"<instanceId>i-2</instanceId><tagSet><item><value>b</value><key>a</key></item>"
        b"<item><key>Name</key><value/></item><item><key>c</key></item></tagSet></item>"
        b"</instancesSet></item></reservationSet></DescribeInstancesResponse>",
    ],
    ids=["aws", "real-shaped", "fake", "empty", "no-namespace", "tags-out-of-order"],
)
@pytest.mark.slow
def test_xml_page_equals_botocores_parse(body: bytes) -> None:
    assert parsing.ec2_page_from_xml(body) == ec2_page(botocore_parse(body))


def test_xml_page_reads_the_instances_own_fields() -> None:
    page = parsing.ec2_page_from_xml(FULL_AWS_XML)
    assert page.next_token == "eyJ2IjoxfQ=="
    first = page.details["i-1234567890abcdef0"]
    assert first.private_ip == "192.168.1.88"  # not the network interface's
    assert first.account == "123456789012"  # the reservation's, not the interface's owner
    assert first.state == "running" and first.platform is Platform.LINUX
    assert first.name == "renamed"  # a repeated key: the last one, as in botocore's dict
    assert first.tags == (("Name", "renamed"), ("Team", ""))
    assert page.details["i-0598c7d356eba48d7"].platform is Platform.WINDOWS
    assert page.details["i-0000000000000000a"].account == ""


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


def service_for(ssm_url: str, ec2_url: str) -> InventoryService:
    def session_for(_profile: str) -> boto3.Session:
        return boto3.Session(aws_access_key_id=KEY, aws_secret_access_key=KEY)

    urls = {"ssm": ssm_url, "ec2": ec2_url}
    sessions = ProfileSessions(session_for, endpoint_url_for=lambda _p, _r, service: urls[service])
    retry = RetryPolicy(attempts=4, time_scale=0.01)
    return InventoryService(sessions, retry=retry)


async def test_ec2_denied_keeps_ssm_listing_and_names_the_action(
    pair: tuple[FakeAws, FakeEc2],
) -> None:
    ssm, ec2 = pair
    ec2.deny = True
    [result] = await service_for(ssm.api_url, ec2.url).refresh([("p", REGION)])
    assert len(result.instances) == 3 and all(i.name == "" for i in result.instances)
    assert isinstance(result.error, AccessDeniedError)
    assert "ec2:DescribeInstances" in result.error.user_message


async def test_ec2_throttling_is_retried(pair: tuple[FakeAws, FakeEc2]) -> None:
    ssm, ec2 = pair
    ec2.throttle = 2
    [result] = await service_for(ssm.api_url, ec2.url).refresh([("p", REGION)])
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

    async with serving(ssm) as url:
        service = InventoryService(CountingSessions())
        [first] = await service.refresh([("p", REGION)])  # expired, read again, expired again
        [second] = await service.refresh([("p", REGION)])
    assert isinstance(first.error, CredentialsError) and "expired" in first.error.user_message
    assert second.ok and second.instances == ()
    assert reads == ["p", "p", "p"]


@pytest.mark.slow
async def test_the_fake_refuses_more_filter_values_than_ec2_allows(
    pair: tuple[FakeAws, FakeEc2],
) -> None:
    _, ec2 = pair
    ec2_client = boto3.client(
        "ec2", region_name=REGION, endpoint_url=ec2.url, aws_access_key_id=KEY,
        aws_secret_access_key=KEY, config=ONE_ATTEMPT,
    )  # fmt: skip
    ids = [f"i-{n:017x}" for n in range(201)]
    with pytest.raises(boto_errors.ClientError, match="FilterLimitExceeded"):
        await asyncio.to_thread(
            ec2_client.describe_instances, Filters=[{"Name": "instance-id", "Values": ids}]
        )
    await asyncio.to_thread(
        ec2_client.describe_instances, Filters=[{"Name": "instance-id", "Values": ids[:200]}]
    )
