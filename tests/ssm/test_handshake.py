"""The Port-session handshake, client side (docs/protocol.md §4, §8): our answer to each
HandshakeRequest, when the handshake completes or fails, and the agent-version rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ssmgui.core.errors import ProtocolError, SessionClosedError
from ssmgui.ssm.handshake import (
    ACTION_SUCCESS,
    ACTION_UNSUPPORTED,
    Handshake,
    HandshakeState,
    parse_version,
)
from ssmgui.ssm.message import Frame, MessageType, PayloadType, encode_stream_frame, parse_frame

CLIENT_VERSION = "1.2.764.0"
PORT_PROPERTIES = {"portNumber": "22", "type": "LocalPortForwarding"}


def agent_message(payload_type: PayloadType, body: object, seq: int = 0) -> Frame:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_frame(
        encode_stream_frame(MessageType.OUTPUT_STREAM_DATA, seq, payload_type, payload)
    )


def request(
    session_type: str = "Port",
    properties: dict[str, Any] | None = None,
    agent_version: str = "3.3.1142.0",
    extra_actions: tuple[dict[str, Any], ...] = (),
) -> Frame:
    actions = [
        {
            "ActionType": "SessionType",
            "ActionParameters": {
                "SessionType": session_type,
                "Properties": PORT_PROPERTIES if properties is None else properties,
            },
        },
        *extra_actions,
    ]
    return agent_message(
        PayloadType.HANDSHAKE_REQUEST,
        {"AgentVersion": agent_version, "RequestedClientActions": actions},
    )


def complete(customer_message: str = "") -> Frame:
    body = {"HandshakeTimeToComplete": 1_000_000, "CustomerMessage": customer_message}
    return agent_message(PayloadType.HANDSHAKE_COMPLETE, body, seq=1)


def answer(state: HandshakeState, message: Frame) -> dict[str, Any]:
    response = state.handle(message)
    assert response is not None
    body: dict[str, Any] = json.loads(response)
    return body


async def test_a_port_session_is_accepted_with_our_client_version() -> None:
    state = HandshakeState(CLIENT_VERSION)
    assert answer(state, request()) == {
        "ClientVersion": CLIENT_VERSION,
        "ProcessedClientActions": [
            {"ActionType": "SessionType", "ActionStatus": ACTION_SUCCESS,
             "ActionResult": None, "Error": ""},
        ],
        "Errors": None,
    }  # fmt: skip
    assert not state.completed.done()  # only HandshakeComplete completes it


async def test_handshake_complete_yields_the_request_and_the_customer_message() -> None:
    state = HandshakeState(CLIENT_VERSION)
    state.handle(request(properties={"portNumber": 3389, "type": "LocalPortForwarding"}))
    assert state.handle(complete("Welcome")) is None
    handshake = await state.completed
    assert handshake == Handshake(
        agent_version="3.3.1142.0",
        session_type="Port",
        properties={"portNumber": "3389", "type": "LocalPortForwarding"},  # values as text
        customer_message="Welcome",
    )


async def test_actions_other_than_the_session_type_are_answered_unsupported() -> None:
    """KMSEncryption is never requested for Port sessions; if it were, we say no (§4)."""
    state = HandshakeState(CLIENT_VERSION)
    kms = {"ActionType": "KMSEncryption", "ActionParameters": {"KMSKeyId": "k"}}
    processed = answer(state, request(extra_actions=(kms,)))["ProcessedClientActions"]
    assert [(p["ActionType"], p["ActionStatus"]) for p in processed] == [
        ("SessionType", ACTION_SUCCESS),
        ("KMSEncryption", ACTION_UNSUPPORTED),
    ]
    assert "KMSEncryption is not supported" in processed[1]["Error"]


async def test_a_session_type_other_than_port_is_refused_and_fails_the_handshake() -> None:
    state = HandshakeState(CLIENT_VERSION)
    processed = answer(state, request(session_type="Standard_Stream"))["ProcessedClientActions"]
    assert processed[0]["ActionStatus"] == ACTION_UNSUPPORTED
    with pytest.raises(ProtocolError, match="Standard_Stream session; ssmgui only opens port"):
        await state.completed
    state.handle(complete())  # a late HandshakeComplete changes nothing
    assert isinstance(state.completed.exception(), ProtocolError)


async def test_handshake_complete_before_any_request_is_ignored() -> None:
    state = HandshakeState(CLIENT_VERSION)
    assert state.handle(complete()) is None
    assert not state.completed.done()
    state.handle(request())
    state.handle(complete("second"))
    assert (await state.completed).customer_message == "second"


async def test_a_second_handshake_complete_changes_nothing() -> None:
    state = HandshakeState(CLIENT_VERSION)
    state.handle(request())
    state.handle(complete("first"))
    state.handle(complete("again"))
    assert (await state.completed).customer_message == "first"


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'"text"'])
async def test_an_unreadable_request_or_complete_is_a_protocol_error(payload: bytes) -> None:
    state = HandshakeState(CLIENT_VERSION)
    with pytest.raises(ProtocolError, match="unreadable HandshakeRequest"):
        state.handle(agent_message(PayloadType.HANDSHAKE_REQUEST, payload))
    state.handle(request())
    with pytest.raises(ProtocolError, match="unreadable HandshakeComplete"):
        state.handle(agent_message(PayloadType.HANDSHAKE_COMPLETE, payload, seq=1))


async def test_a_request_whose_actions_are_not_objects_is_a_protocol_error() -> None:
    state = HandshakeState(CLIENT_VERSION)
    body = {"AgentVersion": "3.3.1142.0", "RequestedClientActions": ["SessionType"]}
    with pytest.raises(ProtocolError):
        state.handle(agent_message(PayloadType.HANDSHAKE_REQUEST, body))


async def test_fail_ends_a_pending_handshake_once_and_nobody_needs_to_await_it() -> None:
    state = HandshakeState(CLIENT_VERSION)
    state.fail(SessionClosedError("closed"))
    state.fail(ProtocolError("later"))  # the first reason stays
    assert isinstance(state.completed.exception(), SessionClosedError)


async def test_fail_after_completion_keeps_the_result() -> None:
    state = HandshakeState(CLIENT_VERSION)
    state.handle(request())
    state.handle(complete())
    state.fail(SessionClosedError("closed"))
    assert (await state.completed).session_type == "Port"


# --- version rules (§8) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.0.196.0", (3, 0, 196, 0)),
        ("3.1", (3, 1, 0, 0)),
        (" 3.2.582.0\n", (3, 2, 582, 0)),
        ("3.2.x.1", (3, 2, 0, 1)),
        ("", (0, 0, 0, 0)),
    ],
)
def test_agent_versions_parse_to_four_numbers(text: str, expected: tuple[int, ...]) -> None:
    assert parse_version(text) == expected


def port(agent_version: str, kind: str = "LocalPortForwarding") -> Handshake:
    return Handshake(agent_version, "Port", {"type": kind, "portNumber": "80"})


@pytest.mark.parametrize(
    ("agent_version", "mux"),
    [("3.0.196.0", False), ("3.0.196", False), ("2.3.68.0", False),
     ("3.0.196.1", True), ("3.0.197.0", True), ("3.3.1142.0", True)],
)  # fmt: skip
def test_smux_is_used_only_above_agent_3_0_196_0(agent_version: str, mux: bool) -> None:
    assert port(agent_version).uses_mux is mux


def test_smux_is_never_used_without_local_port_forwarding() -> None:
    assert not port("3.3.1142.0", kind="").uses_mux
    assert not Handshake("3.3.1142.0", "Port", {}).uses_mux


@pytest.mark.parametrize(
    ("agent_version", "keepalive"),
    [("3.0.197.0", True), ("3.1.1511.0", True), ("3.1.1511.1", False), ("3.2.0.0", False)],
)
def test_our_smux_keepalive_is_on_up_to_agent_3_1_1511_0(
    agent_version: str, keepalive: bool
) -> None:
    assert port(agent_version).smux_keepalive is keepalive
