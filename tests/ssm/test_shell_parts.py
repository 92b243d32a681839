"""The pure parts of shell sessions (docs/protocol.md §14): the handshake for shell types
and KMS, the exit-code payload, the StartSession request, and the Windows console's modes
and UTF-16 input, which cannot run here but whose arithmetic can."""

from __future__ import annotations

import base64
import json
import os

import pytest

from ssmgui.core.errors import AccessDeniedError, ConfigurationError, ProtocolError
from ssmgui.core.shell_request import (
    INTERACTIVE_COMMAND_DOCUMENT,
    SHELL_DOCUMENT,
    parse_parameter,
    shell_session_request,
)
from ssmgui.ssm.handshake import (
    ACTION_FAILED,
    ACTION_SUCCESS,
    ACTION_UNSUPPORTED,
    SHELL_SESSION_TYPES,
    HandshakeState,
)
from ssmgui.ssm.kms import (
    NONCE_BYTES,
    KmsRequest,
    SessionCipher,
    action_result,
    encryption_context,
)
from ssmgui.ssm.message import PayloadType
from ssmgui.ssm.shell import parse_exit_code
from ssmgui.ssm.terminal import (
    DISABLE_NEWLINE_AUTO_RETURN,
    ENABLE_ECHO_INPUT,
    ENABLE_LINE_INPUT,
    ENABLE_PROCESSED_INPUT,
    ENABLE_VIRTUAL_TERMINAL_INPUT,
    ENABLE_VIRTUAL_TERMINAL_PROCESSING,
    Utf16ToUtf8,
    console_input_mode,
    console_output_mode,
)
from tests.ssm.test_handshake import CLIENT_VERSION, agent_message, complete, request

SHELL_PROPERTIES = {"linux": {"commands": "", "runAsElevated": False}}


def answer(state: HandshakeState, session_type: str, *extra: dict[str, object]) -> list[int]:
    message = request(session_type, SHELL_PROPERTIES, extra_actions=extra)
    response = state.handle(message)
    assert response is not None
    return [p["ActionStatus"] for p in json.loads(response)["ProcessedClientActions"]]


@pytest.mark.parametrize("session_type", ["Standard_Stream", "InteractiveCommands"])
async def test_a_shell_handshake_is_accepted_when_asked_for(session_type: str) -> None:
    state = HandshakeState(CLIENT_VERSION, SHELL_SESSION_TYPES)
    assert answer(state, session_type) == [ACTION_SUCCESS]
    state.handle(complete("Welcome"))
    handshake = await state.completed
    assert handshake.session_type == session_type
    assert handshake.customer_message == "Welcome"
    # A shell document's nested properties stay readable, as JSON text.
    assert json.loads(handshake.properties["linux"]) == SHELL_PROPERTIES["linux"]


async def test_a_port_session_is_refused_by_a_shell() -> None:
    state = HandshakeState(CLIENT_VERSION, SHELL_SESSION_TYPES)
    assert answer(state, "Port") == [ACTION_UNSUPPORTED]
    with pytest.raises(ProtocolError, match="Port session, which is not a shell"):
        await state.completed


async def test_kms_encryption_fails_the_handshake_naming_the_key() -> None:
    state = HandshakeState(CLIENT_VERSION, SHELL_SESSION_TYPES)
    key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd"
    kms: dict[str, object] = {
        "ActionType": "KMSEncryption",
        "ActionParameters": {"KMSKeyId": key, "Challenge": ""},
    }
    assert answer(state, "Standard_Stream", kms) == [ACTION_SUCCESS, ACTION_UNSUPPORTED]
    with pytest.raises(ProtocolError) as raised:
        await state.completed
    assert key in raised.value.user_message
    assert "does not support KMS-encrypted sessions yet" in raised.value.user_message


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"EXIT_CODE: 3", 3),
        (b"EXIT_CODE: 0", 0),
        (b"EXIT_CODE:-1", -1),
        (b"stdout-prefix:EXIT_CODE: 130", 130),  # the agent may prefix its output streams
        (b"no status here", None),
        (b"", None),
    ],
)
def test_the_exit_code_payload(payload: bytes, status: int | None) -> None:
    assert parse_exit_code(payload) == status


def test_the_default_request_is_the_accounts_shell_document() -> None:
    request = shell_session_request("i-0123456789abcdef0")
    assert request.to_api() == {"Target": "i-0123456789abcdef0", "DocumentName": SHELL_DOCUMENT}


def test_a_command_uses_the_interactive_command_document() -> None:
    request = shell_session_request("i-0123456789abcdef0", command="top -b -n 1", reason="r")
    assert request.to_api() == {
        "Target": "i-0123456789abcdef0",
        "DocumentName": INTERACTIVE_COMMAND_DOCUMENT,
        "Parameters": {"command": ["top -b -n 1"]},
        "Reason": "r",
    }


def test_a_custom_document_takes_every_parameter_in_order() -> None:
    parameters = [parse_parameter("linuxcmd=bash -l"), parse_parameter("tags=a"), ("tags", "b")]
    request = shell_session_request(
        "mi-0123456789abcdef0", document="Team-Shell", parameters=parameters
    )
    assert request.to_api()["Parameters"] == {"linuxcmd": ["bash -l"], "tags": ["a", "b"]}
    assert parse_parameter("x=a=b") == ("x", "a=b")
    assert parse_parameter("empty=") == ("empty", "")


@pytest.mark.parametrize("text", ["novalue", "=value", "bad name=1"])
def test_a_parameter_must_be_name_equals_value(text: str) -> None:
    with pytest.raises(ConfigurationError, match="NAME=VALUE"):
        parse_parameter(text)


def test_bad_documents_and_commands_are_refused_before_any_call() -> None:
    with pytest.raises(ConfigurationError, match="not an SSM document name"):
        shell_session_request("i-0123456789abcdef0", document="a b")
    with pytest.raises(ConfigurationError, match="--command is empty"):
        shell_session_request("i-0123456789abcdef0", command="  ")
    with pytest.raises(ConfigurationError, match="not an instance id"):
        shell_session_request("web-1")


def test_the_console_input_mode_hands_every_key_over_as_vt() -> None:
    cooked = 0x01F7  # Windows' default: processed, line, echo, window, mouse, insert, ...
    mode = console_input_mode(cooked)
    assert mode & ENABLE_VIRTUAL_TERMINAL_INPUT
    for flag in (ENABLE_PROCESSED_INPUT, ENABLE_LINE_INPUT, ENABLE_ECHO_INPUT):
        assert not mode & flag
    assert mode & 0x0010 == cooked & 0x0010  # other bits (mouse input) are left alone


def test_the_console_output_mode_interprets_vt_like_a_unix_terminal() -> None:
    mode = console_output_mode(0x0003)
    assert mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING
    assert mode & DISABLE_NEWLINE_AUTO_RETURN
    assert mode & 0x0003 == 0x0003


def test_console_characters_become_utf8_even_split_between_reads() -> None:
    decoder = Utf16ToUtf8()
    text = "héllo ✓ 😀"
    units = text.encode("utf-16-le")
    split = units.index("😀".encode("utf-16-le")) + 2  # between the emoji's two halves
    assert decoder.feed(units[:split]) == "héllo ✓ ".encode()
    assert decoder.feed(units[split:]) == "😀".encode()
    assert decoder.feed("\x03\x1b[A".encode("utf-16-le")) == b"\x03\x1b[A"  # Ctrl-C, Up


def test_an_unpaired_surrogate_is_replaced_not_fatal() -> None:
    decoder = Utf16ToUtf8()
    assert decoder.feed(b"\x00\xd8" + "a".encode("utf-16-le")) == "\ufffda".encode()


def test_size_and_exit_payload_types_are_the_plugins() -> None:
    assert (PayloadType.SIZE, PayloadType.STDERR, PayloadType.EXIT_CODE) == (3, 11, 12)
    assert agent_message(PayloadType.EXIT_CODE, b"EXIT_CODE: 1").payload_type == 12


async def test_with_kms_allowed_the_response_waits_for_the_data_key() -> None:
    state = HandshakeState(CLIENT_VERSION, SHELL_SESSION_TYPES, kms_allowed=True)
    kms: dict[str, object] = {
        "ActionType": "KMSEncryption",
        "ActionParameters": {"KMSKeyId": "alias/k", "Challenge": "c-1"},
    }
    assert state.handle(request("Standard_Stream", SHELL_PROPERTIES, extra_actions=(kms,))) is None
    assert state.kms_request == KmsRequest("alias/k", "c-1")
    result = action_result(b"blob", KmsRequest("alias/k", "c-1"))
    processed = json.loads(state.answer_kms(result, None))["ProcessedClientActions"]
    assert processed[1] == {
        "ActionType": "KMSEncryption",
        "ActionStatus": ACTION_SUCCESS,
        "ActionResult": {
            "KMSCipherTextKey": "YmxvYg==",
            "KMSCipherTextHash": None,
            "ChallengeAcknowledgement": True,
        },
        "Error": "",
    }
    assert not state.completed.done()  # HandshakeComplete still to come


async def test_a_data_key_refused_fails_the_action_and_the_handshake() -> None:
    state = HandshakeState(CLIENT_VERSION, SHELL_SESSION_TYPES, kms_allowed=True)
    kms: dict[str, object] = {"ActionType": "KMSEncryption", "ActionParameters": {"KMSKeyId": "k"}}
    state.handle(request("Standard_Stream", SHELL_PROPERTIES, extra_actions=(kms,)))
    refusal = AccessDeniedError("no kms:GenerateDataKey on k")
    processed = json.loads(state.answer_kms(None, refusal))["ProcessedClientActions"]
    assert (processed[1]["ActionStatus"], processed[1]["Error"]) == (
        ACTION_FAILED,
        "no kms:GenerateDataKey on k",
    )
    with pytest.raises(AccessDeniedError):
        await state.completed


def test_the_session_cipher_pairs_client_and_agent_halves() -> None:
    key = bytes(range(64))
    client, agent = SessionCipher(key), SessionCipher(key, client=False)
    sealed = client.encrypt(b"keystrokes")
    assert len(sealed) == NONCE_BYTES + len(b"keystrokes") + 16  # nonce, text, GCM tag
    assert agent.decrypt(sealed) == b"keystrokes"
    assert client.decrypt(agent.encrypt(b"output")) == b"output"
    assert client.encrypt(b"x") != client.encrypt(b"x")  # a fresh nonce each time
    with pytest.raises(ProtocolError, match="could not be decrypted"):
        client.decrypt(client.encrypt(b"own key, not the agent's"))
    tampered = bytearray(agent.encrypt(b"output"))
    tampered[-1] ^= 1
    with pytest.raises(ProtocolError):
        client.decrypt(bytes(tampered))
    with pytest.raises(ProtocolError, match="32-byte data key"):
        SessionCipher(bytes(32))


def test_the_challenge_comes_back_under_the_clients_key() -> None:
    key = os.urandom(64)
    client, agent = SessionCipher(key), SessionCipher(key, client=False)
    challenge = os.urandom(64)
    request_payload = json.dumps(
        {"Challenge": base64.b64encode(agent.encrypt(challenge)).decode()}
    ).encode()
    answer = json.loads(client.answer_challenge(request_payload))["Challenge"]
    assert agent.decrypt(base64.b64decode(answer)) == challenge
    with pytest.raises(ProtocolError, match="unreadable encryption challenge"):
        client.answer_challenge(b"{}")


def test_the_encryption_context_is_the_agents() -> None:
    assert encryption_context("s-1", "i-1", "") == {
        "aws:ssm:SessionId": "s-1",
        "aws:ssm:TargetId": "i-1",
    }
    assert encryption_context("s-1", "i-1", "c")["aws:ssm:RandomChallenge"] == "c"
