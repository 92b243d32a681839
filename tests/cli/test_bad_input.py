"""Bad command-line input gets a message naming the problem and an exit code, no traceback.

Each case runs the real `ssmgui` command in a process of its own, with no AWS files and no
credentials, as a user's mistyped command would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FORWARD = ["forward", "i-0123456789abcdef0", "--remote-port", "22", "--region", "eu-west-1"]


def run_ssmgui(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    return subprocess.run(
        [sys.executable, "-m", "ssmgui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


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
