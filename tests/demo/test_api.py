"""The control-plane API through real boto3 (AWS JSON 1.1, docs/protocol.md §11 item 8)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.world import FakeAws
from tests.demo.support import INSTANCE, ssm_client, start_session


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


async def test_start_session_with_real_boto3(fake: FakeAws) -> None:
    def call() -> dict[str, Any]:
        answer: dict[str, Any] = ssm_client(fake).start_session(
            Target=INSTANCE,
            DocumentName="AWS-StartPortForwardingSession",
            Parameters={"portNumber": ["80"], "localPortNumber": ["0"]},
        )
        return answer

    answer = await asyncio.to_thread(call)
    sid = answer["SessionId"]
    assert answer["TokenValue"]
    assert answer["StreamUrl"] == (
        f"ws://{fake.stream_host}/v1/data-channel/{sid}?role=publish_subscribe"
    )
    session = fake.sessions[sid]
    assert session.properties == {
        "portNumber": "80",
        "type": "LocalPortForwarding",
        "localPortNumber": "0",
    }
    assert session.region == "eu-west-1"  # from the request's credential scope
    assert sid in fake.live_session_ids()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"Target": "i-unknown"}, "TargetNotConnected"),
        ({"Target": "i-offline"}, "TargetNotConnected"),
        ({"DocumentName": "AWS-Nope"}, "InvalidDocument"),
        ({"Parameters": {"portNumber": ["0"]}}, "ValidationException"),
        ({"Parameters": {"portNumber": ["65536"]}}, "ValidationException"),
        ({"Parameters": {"localPortNumber": ["x"]}}, "ValidationException"),
    ],
)
async def test_start_session_errors(fake: FakeAws, kwargs: dict[str, Any], code: str) -> None:
    fake.add_instance(FakeInstance("i-offline", ping_status="ConnectionLost"))
    request: dict[str, Any] = {
        "Target": INSTANCE,
        "DocumentName": "AWS-StartPortForwardingSession",
        "Parameters": {"portNumber": ["80"]},
    }
    request.update(kwargs)
    with pytest.raises(ClientError) as error:
        await asyncio.to_thread(lambda: ssm_client(fake).start_session(**request))
    assert _code(error) == code


async def test_access_denied(fake: FakeAws) -> None:
    fake.deny_actions.add("ssm:StartSession")
    with pytest.raises(ClientError) as error:
        await start_session(fake)
    assert _code(error) == "AccessDeniedException"


async def test_resume_unknown_session(fake: FakeAws) -> None:
    with pytest.raises(ClientError) as error:
        await asyncio.to_thread(lambda: ssm_client(fake).resume_session(SessionId="demo-nope"))
    assert _code(error) == "DoesNotExistException"


async def test_describe_instance_information_pages(fake: FakeAws) -> None:
    for n in range(120):
        fake.add_instance(FakeInstance(f"i-{n:017x}", platform="Windows"))
    fake.add_instance(FakeInstance("mi-0123456789abcdef0", name="on-prem"))

    def pages() -> list[dict[str, Any]]:
        paginator = ssm_client(fake).get_paginator("describe_instance_information")
        return list(paginator.paginate(PaginationConfig={"PageSize": 50}))

    result = await asyncio.to_thread(pages)
    assert [len(page["InstanceInformationList"]) for page in result] == [50, 50, 22]
    everything = [info for page in result for info in page["InstanceInformationList"]]
    assert len({info["InstanceId"] for info in everything}) == 122
    managed = next(i for i in everything if i["InstanceId"].startswith("mi-"))
    assert managed["ResourceType"] == "ManagedInstance" and managed["Name"] == "on-prem"
    web = next(i for i in everything if i["InstanceId"] == INSTANCE)
    assert web["ResourceType"] == "EC2Instance"
    assert web["PingStatus"] == "Online" and web["PlatformType"] == "Linux"
    assert web["LastPingDateTime"].year >= 2024  # botocore parsed the epoch float


async def test_describe_instance_information_shows_changes_made_between_calls(
    fake: FakeAws,
) -> None:
    """The fake keeps each instance's answer encoded (control/plane.py): a change a test makes to
    an instance must show in the next answer, and the ping time must stay current."""

    def described() -> dict[str, Any]:
        answer = ssm_client(fake).describe_instance_information(MaxResults=50)
        [info] = [i for i in answer["InstanceInformationList"] if i["InstanceId"] == INSTANCE]
        return dict(info)

    before = await asyncio.to_thread(described)
    instance = fake.instances[INSTANCE]
    instance.ping_status, instance.agent_version = "ConnectionLost", "2.3.444.0"
    instance.ip_address, instance.platform = "10.9.8.7", "Windows"
    after = await asyncio.to_thread(described)

    assert before["PingStatus"] == "Online" and after["PingStatus"] == "ConnectionLost"
    assert (after["AgentVersion"], after["IPAddress"]) == ("2.3.444.0", "10.9.8.7")
    assert (after["PlatformType"], after["IsLatestVersion"]) == ("Windows", False)
    assert after["PlatformName"] == "Microsoft Windows Server 2022 Datacenter"
    # An agent that lost its connection last pinged a day ago (the fake's convention).
    assert (before["LastPingDateTime"] - after["LastPingDateTime"]).total_seconds() > 86_000
    instance.ping_status = "Online"
    again = await asyncio.to_thread(described)
    assert again["LastPingDateTime"] >= before["LastPingDateTime"]


async def test_get_connection_status(fake: FakeAws) -> None:
    client = ssm_client(fake)
    online = await asyncio.to_thread(lambda: client.get_connection_status(Target=INSTANCE))
    offline = await asyncio.to_thread(lambda: client.get_connection_status(Target="i-nope"))
    assert (online["Status"], offline["Status"]) == ("connected", "notconnected")
