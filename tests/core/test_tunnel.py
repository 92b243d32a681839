"""StartSession requests built as data, compared whole (docs/protocol.md §1)."""

from __future__ import annotations

import pytest

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.tunnel import (
    Document,
    SessionRequest,
    port_forwarding_request,
    ssh_session_request,
    validate_bind_address,
    validate_local_port,
    validate_remote_port,
)

TARGET = "i-0123456789abcdef0"


def test_port_forwarding_request() -> None:
    request = port_forwarding_request(TARGET, 3389, 13389, reason="ssmgui: RDP for alice")
    assert request == SessionRequest(
        TARGET,
        Document.PORT_FORWARDING,
        {"portNumber": ["3389"], "localPortNumber": ["13389"]},
        "ssmgui: RDP for alice",
    )
    assert request.to_api() == {
        "Target": TARGET,
        "DocumentName": "AWS-StartPortForwardingSession",
        "Parameters": {"portNumber": ["3389"], "localPortNumber": ["13389"]},
        "Reason": "ssmgui: RDP for alice",
    }


def test_remote_host_request_uses_the_remote_host_document() -> None:
    request = port_forwarding_request(TARGET, 5432, remote_host="db.internal")
    assert request.to_api() == {
        "Target": TARGET,
        "DocumentName": "AWS-StartPortForwardingSessionToRemoteHost",
        "Parameters": {"portNumber": ["5432"], "localPortNumber": ["0"], "host": ["db.internal"]},
    }


def test_ssh_request_has_no_local_port() -> None:
    assert ssh_session_request("mi-0123456789abcdef0", 2222).to_api() == {
        "Target": "mi-0123456789abcdef0",
        "DocumentName": "AWS-StartSSHSession",
        "Parameters": {"portNumber": ["2222"]},
    }


@pytest.mark.parametrize("port", [0, 65536, -1, "22a", "022"])
def test_bad_remote_ports(port: int | str) -> None:
    with pytest.raises(ConfigurationError, match="1 to 65535"):
        validate_remote_port(port)


@pytest.mark.parametrize("port", [0, 1, 65535])
def test_good_local_ports(port: int) -> None:
    assert validate_local_port(port) == port


def test_bad_target_and_reason() -> None:
    with pytest.raises(ConfigurationError, match="not an instance id"):
        port_forwarding_request("web-1", 80)
    with pytest.raises(ConfigurationError, match="1 to 256"):
        port_forwarding_request(TARGET, 80, reason="x" * 257)


def test_minimal_policy_covers_every_required_action() -> None:
    from ssmgui.core.permissions import REQUIRED_ACTIONS, minimal_policy

    granted: set[str] = set()
    for statement in minimal_policy()["Statement"]:
        actions = statement["Action"]
        granted.update([actions] if isinstance(actions, str) else actions)
    assert granted == set(REQUIRED_ACTIONS)


@pytest.mark.parametrize(
    ("text", "address"), [("127.0.0.1", "127.0.0.1"), (" ::1 ", "::1"), ("0.0.0.0", "0.0.0.0")]
)
def test_a_listening_address_is_an_ip_address(text: str, address: str) -> None:
    assert validate_bind_address(text) == address


@pytest.mark.parametrize("text", ["", " ", "localhost:80", "1.2.3", "example.com"])
def test_anything_else_is_not_a_listening_address(text: str) -> None:
    with pytest.raises(ConfigurationError):
        validate_bind_address(text)
