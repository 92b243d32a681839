"""Handshake (docs/protocol.md §4) and the version-driven mode rules (§8)."""

from __future__ import annotations

import json

import pytest

from ssmgui.demo.world import FakeAws
from ssmgui.ssm.message import FLAGS_SYN, MessageType, PayloadType
from tests.demo.rawclient import RawClient
from tests.demo.support import INSTANCE, start_session


async def test_handshake_messages_follow_the_protocol(fake: FakeAws) -> None:
    start = await start_session(fake)
    client = await RawClient.connect(start)
    request, complete = await client.handshake("1.2.764.0")

    assert request.message_type == MessageType.OUTPUT_STREAM_DATA
    assert (request.sequence_number, request.flags) == (0, FLAGS_SYN)
    assert request.payload_type == PayloadType.HANDSHAKE_REQUEST
    body = json.loads(request.payload)
    assert body["AgentVersion"] == "3.3.1142.0"
    [action] = body["RequestedClientActions"]
    assert action["ActionType"] == "SessionType"
    assert action["ActionParameters"] == {
        "SessionType": "Port",
        "Properties": {"portNumber": "7", "type": "LocalPortForwarding", "localPortNumber": "0"},
    }
    # The ack of our HandshakeResponse comes before HandshakeComplete.
    assert (complete.sequence_number, complete.flags) == (1, 0)
    assert complete.payload_type == PayloadType.HANDSHAKE_COMPLETE
    done = json.loads(complete.payload)
    assert done["CustomerMessage"] == ""
    assert isinstance(done["HandshakeTimeToComplete"], int)

    session = fake.sessions[start["SessionId"]]
    assert session.client_version == "1.2.764.0"
    assert session.open_client_version == "1.2.764.0"
    assert session.mode == "mux"
    assert session.attached and session.websockets_opened == 1
    await client.close()


async def test_handshake_response_is_acked_before_complete(fake: FakeAws) -> None:
    start = await start_session(fake)
    client = await RawClient.connect(start)
    request = await client.recv_stream()
    await client.ack(request)
    response = await client.send_input(
        PayloadType.HANDSHAKE_RESPONSE, b'{"ClientVersion":"1.2.764.0"}'
    )
    ack = await client.recv()
    assert ack.message_type == MessageType.ACKNOWLEDGE
    body = json.loads(ack.payload)
    assert body == {
        "AcknowledgedMessageType": "input_stream_data",
        "AcknowledgedMessageId": str(response.message_id),
        "AcknowledgedMessageSequenceNumber": 0,
        "IsSequentialMessage": True,
    }
    complete = await client.recv()
    assert complete.payload_type == PayloadType.HANDSHAKE_COMPLETE
    await client.close()


@pytest.mark.parametrize(
    ("client_version", "agent_version", "mode", "keepalive"),
    [
        ("1.1.69", "3.3.1142.0", "basic", False),
        ("1.1.70", "3.3.1142.0", "mux", True),
        ("1.2.331.0", "3.3.1142.0", "mux", True),
        ("1.2.764.0", "3.3.1142.0", "mux", False),
        ("1.2.764.0", "3.0.196.0", "basic", False),
        ("1.2.764.0", "3.0.197.0", "mux", False),
        ("", "3.3.1142.0", "basic", False),
    ],
)
async def test_mode_rules(
    fake: FakeAws, client_version: str, agent_version: str, mode: str, keepalive: bool
) -> None:
    fake.instances[INSTANCE].agent_version = agent_version
    start = await start_session(fake)
    client = await RawClient.connect(start, client_version=client_version)
    request, _ = await client.handshake(client_version)
    assert json.loads(request.payload)["AgentVersion"] == agent_version
    session = fake.sessions[start["SessionId"]]
    assert session.mode == mode
    handler = session.handler
    assert handler is not None
    assert (getattr(handler, "_keepalive", None) is not None) == keepalive
    await client.close()


async def test_ssh_document_is_basic_without_type(fake: FakeAws) -> None:
    start = await start_session(fake, port=22, document="AWS-StartSSHSession")
    client = await RawClient.connect(start)
    request, _ = await client.handshake()
    props = json.loads(request.payload)["RequestedClientActions"][0]["ActionParameters"]
    assert props["Properties"] == {"portNumber": "22"}
    assert fake.sessions[start["SessionId"]].mode == "basic"
    await client.close()


async def test_remote_host_document_carries_host(fake: FakeAws) -> None:
    start = await start_session(
        fake, port=5432, document="AWS-StartPortForwardingSessionToRemoteHost", host="db.internal"
    )
    client = await RawClient.connect(start)
    request, _ = await client.handshake()
    props = json.loads(request.payload)["RequestedClientActions"][0]["ActionParameters"]
    assert props["Properties"]["host"] == "db.internal"
    await client.close()
