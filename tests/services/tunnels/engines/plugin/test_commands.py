"""Pure parts of the plugin engine, compared by equality: argv, env, signals, stdout lines."""

from __future__ import annotations

import json
import signal

import pytest
from botocore.credentials import ReadOnlyCredentials

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.tunnel import port_forwarding_request, ssh_session_request
from ssmgui.services.tunnels.engines.plugin.engine import check_bind_hosts, with_local_port
from ssmgui.services.tunnels.engines.plugin.process import (
    CREATE_NEW_PROCESS_GROUP,
    CTRL_BREAK_EVENT,
    EventKind,
    LaunchFlags,
    PluginEvent,
    launch_flags,
    parse_line,
    plugin_argv,
    plugin_env,
    response_json,
)
from ssmgui.services.tunnels.engines.plugin.watchdog import (
    HTTP_PROBE,
    RDP_PROBE,
    SSH_PROBE,
    ReplyProbe,
    probe_for_remote_port,
)
from ssmgui.ssm.channel import StreamEndpoint

SID = "alice-0123456789abcdef0"
CREDENTIALS = ReadOnlyCredentials("AKIAEXAMPLE", "secret-key", "session-token")


def test_argv_is_the_aws_cli_form_with_the_response_in_the_environment() -> None:
    request = port_forwarding_request("i-0123456789abcdef0", 3389, 13389)
    assert plugin_argv(
        ("/usr/local/bin/session-manager-plugin",),
        request,
        "eu-west-1",
        "https://ssm.eu-west-1.amazonaws.com",
    ) == [
        "/usr/local/bin/session-manager-plugin",
        "AWS_SSM_START_SESSION_RESPONSE",
        "eu-west-1",
        "StartSession",
        "",
        '{"Target": "i-0123456789abcdef0", "DocumentName": "AWS-StartPortForwardingSession", '
        '"Parameters": {"portNumber": ["3389"], "localPortNumber": ["13389"]}}',
        "https://ssm.eu-west-1.amazonaws.com",
    ]


def test_the_environment_holds_only_what_the_plugin_needs() -> None:
    parent = {
        "PATH": "/usr/bin",
        "HOME": "/home/a",
        "HTTPS_PROXY": "http://proxy:3128",
        "AWS_PROFILE": "prod",
        "AWS_ACCESS_KEY_ID": "AKIAOTHER",
        "SSH_AUTH_SOCK": "/tmp/agent",
    }
    response = response_json(StreamEndpoint(SID, "the-token", "wss://x/v1/data-channel/s"))
    assert plugin_env(parent, CREDENTIALS, "eu-west-1", response, {"EXTRA": "1"}) == {
        "PATH": "/usr/bin",
        "HOME": "/home/a",
        "HTTPS_PROXY": "http://proxy:3128",
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret-key",
        "AWS_SESSION_TOKEN": "session-token",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SSM_START_SESSION_RESPONSE": response,
        "EXTRA": "1",
    }
    assert json.loads(response) == {
        "SessionId": SID,
        "TokenValue": "the-token",
        "StreamUrl": "wss://x/v1/data-channel/s",
    }


def test_static_keys_send_no_session_token() -> None:
    env = plugin_env({}, ReadOnlyCredentials("AKIA", "s", None), "us-east-1", "{}")
    assert "AWS_SESSION_TOKEN" not in env


def test_process_group_and_interrupt_per_os() -> None:
    assert launch_flags("Windows") == LaunchFlags(False, CREATE_NEW_PROCESS_GROUP, CTRL_BREAK_EVENT)
    assert launch_flags("Linux") == LaunchFlags(True, 0, int(signal.SIGINT))
    assert launch_flags("Darwin") == LaunchFlags(True, 0, int(signal.SIGINT))
    assert (CREATE_NEW_PROCESS_GROUP, CTRL_BREAK_EVENT) == (0x200, 1)


@pytest.mark.parametrize(
    ("line", "event"),
    [
        (f"Starting session with SessionId: {SID}", PluginEvent(EventKind.STARTING, SID)),
        (f"Port 55678 opened for sessionId {SID}.", PluginEvent(EventKind.PORT_OPENED, SID, 55678)),
        (
            f"Connection accepted for session [{SID}]",
            PluginEvent(EventKind.CONNECTION_ACCEPTED, SID),
        ),
        (
            f"Connection accepted for session {SID}.",
            PluginEvent(EventKind.CONNECTION_ACCEPTED, SID),
        ),
        (
            "Cannot perform start session: EOF",
            PluginEvent(EventKind.START_FAILED, text="EOF"),
        ),
        (
            "Connection to destination port failed, check SSM Agent logs.",
            PluginEvent(EventKind.TARGET_FAILED),
        ),
        ("Terminate signal received, exiting.", PluginEvent(EventKind.SIGNAL_RECEIVED)),
        (f"Exiting session with sessionId: {SID}.", PluginEvent(EventKind.SESSION_ENDED, SID)),
        (
            f"SessionId: {SID} : Your session timed out due to inactivity.",
            PluginEvent(
                EventKind.SESSION_ENDED, SID, text="Your session timed out due to inactivity."
            ),
        ),
        (
            f"Session: {SID} timed out.",
            PluginEvent(EventKind.SESSION_ENDED, SID, text="timed out."),
        ),
        ("Waiting for connections...", None),
        ("", None),
        (f"Unix socket /tmp/x.sock opened for sessionId {SID}.", None),
    ],
)
def test_stdout_lines(line: str, event: PluginEvent | None) -> None:
    assert parse_line(f"\n{line}\n") == event


def test_loopback_binds_pass_and_others_are_refused() -> None:
    check_bind_hosts(("127.0.0.1", "::1", "localhost"))
    with pytest.raises(ConfigurationError, match=r"not on 0\.0\.0\.0, 192\.168\.1\.5"):
        check_bind_hosts(("127.0.0.1", "0.0.0.0", "192.168.1.5"))


def test_the_local_port_goes_into_the_request() -> None:
    request = port_forwarding_request("i-0123456789abcdef0", 22, 0, reason="why")
    assert with_local_port(request, 2222) == port_forwarding_request(
        "i-0123456789abcdef0", 22, 2222, reason="why"
    )
    with pytest.raises(ConfigurationError, match="ssh-proxy"):
        with_local_port(ssh_session_request("i-0123456789abcdef0"), 0)


def test_probes_by_well_known_port() -> None:
    assert probe_for_remote_port(3389) == ReplyProbe(RDP_PROBE)
    assert probe_for_remote_port(22) == ReplyProbe(SSH_PROBE)
    assert probe_for_remote_port(8080) == ReplyProbe(HTTP_PROBE)
    assert len(RDP_PROBE) == RDP_PROBE[3] == 11  # TPKT length covers the whole packet
