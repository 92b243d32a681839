"""Bad command-line input gets a message naming the problem and an exit code, no traceback.

Each case runs the real `ssmgui` command in a process of its own, with no AWS files and no
credentials, as a user's mistyped command would.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.commands import run_ssmgui

FORWARD = ["forward", "i-0123456789abcdef0", "--remote-port", "22", "--region", "eu-west-1"]


@pytest.mark.parametrize(
    ("bind", "says"),
    [
        ("", "An empty listening address is not allowed"),
        ("  ", "An empty listening address is not allowed"),
        ("nope", "'nope' is not an IP address"),
        ("127.0.0.1:80", "'127.0.0.1:80' is not an IP address"),
        ("10.255.255.1", "Cannot listen on 10.255.255.1: it is not an address of this computer"),
    ],
)
@pytest.mark.slow
def test_forward_refuses_a_listening_address_it_cannot_use(
    bind: str, says: str, tmp_path: Path
) -> None:
    done = run_ssmgui([*FORWARD, "--bind", bind], tmp_path)
    assert done.returncode == 2
    assert says in done.stderr
    assert "Traceback" not in done.stderr


def test_forward_warns_before_listening_on_every_interface(tmp_path: Path) -> None:
    done = run_ssmgui([*FORWARD, "--bind", "0.0.0.0"], tmp_path)
    assert "listens on every network interface" in done.stderr
    assert "Traceback" not in done.stderr


HYBRID = "mi-0123456789abcdef0 is a hybrid (on-premises) node"


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["connect", "i-0123456789abcdef0", "http"], "--push-key is for ssh"),
        (["connect", "mi-0123456789abcdef0", "ssh"], HYBRID),
        (["ssh-proxy", "mi-0123456789abcdef0", "22"], HYBRID),
    ],
)
@pytest.mark.slow
def test_push_key_refuses_what_instance_connect_cannot_do(
    command: list[str], says: str, tmp_path: Path
) -> None:
    done = run_ssmgui([*command, "--push-key", "--region", "eu-west-1"], tmp_path)
    assert done.returncode == 2
    assert says in done.stderr
    assert "Traceback" not in done.stderr


class Listener:
    """A TCP listener on loopback that counts the connections it was offered."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                accepted, _ = self.socket.accept()
            except BlockingIOError:
                return count
            accepted.close()
            count += 1


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.socket.close()


def write_profile(home: Path, extra: str = "") -> None:
    (home / "config").write_text(f"[profile p]\nregion = eu-west-1\n{extra}", encoding="utf-8")
    (home / "credentials").write_text(
        "[p]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = example\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    "command",
    [
        ["list", "--profile", "p"],
        ["forward", "i-0123456789abcdef0", "--remote-port", "22", "--profile", "p"],
        ["ssh-proxy", "i-0123456789abcdef0", "22", "--profile", "p"],
        ["connect", "i-0123456789abcdef0", "rdp", "--profile", "p"],
        ["doctor", "--profile", "p"],
    ],
)
@pytest.mark.slow
def test_a_region_cannot_send_signed_requests_elsewhere(
    command: list[str], listener: Listener, tmp_path: Path
) -> None:
    write_profile(tmp_path)
    done = run_ssmgui([*command, "--region", f"x@127.0.0.1:{listener.port}/"], tmp_path)
    assert done.returncode == 2
    assert "is not an AWS region name" in done.stderr
    assert "Traceback" not in done.stderr
    assert listener.connections() == 0


@pytest.mark.parametrize("key", ["region", "ssmgui_regions"])
@pytest.mark.slow
def test_a_region_from_the_config_cannot_either(
    key: str, listener: Listener, tmp_path: Path
) -> None:
    write_profile(tmp_path)
    (tmp_path / "config").write_text(
        f"[profile p]\n{key} = x@127.0.0.1:{listener.port}/\n", encoding="utf-8"
    )
    done = run_ssmgui(["list", "--profile", "p"], tmp_path)
    assert done.returncode == 2
    assert f"in profile 'p' ({key}) is not an AWS region name" in done.stderr
    assert "Traceback" not in done.stderr
    assert listener.connections() == 0


@pytest.mark.parametrize("proxy", ["http://[::1", "http://", "https://:8080"])
def test_a_proxy_setting_that_is_not_a_url_is_named(proxy: str, tmp_path: Path) -> None:
    write_profile(tmp_path)
    done = run_ssmgui(["list", "--profile", "p"], tmp_path, {"HTTPS_PROXY": proxy})
    assert done.returncode == 1
    assert "the proxy URL (HTTPS_PROXY, or the system's proxy settings) is not" in done.stderr
    assert "Traceback" not in done.stderr and "ValueError" not in done.stderr
