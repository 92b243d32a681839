"""Tunnel commands sign in through the identity service, and never read a code from a stdin
that carries data.

`forward` and `ssh-proxy` used to sign with the profile's long-term keys through boto3
alone: a role profile with mfa_serial crashed `forward` (EOFError from a prompt without a
terminal), and `ssh-proxy` read the SSH stream as the MFA code. Each case runs the real
command in a new session, so it has no controlling terminal, as under a GUI launcher or
in CI.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CONFIG = """\
[profile keys]
region = eu-west-1
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile admin]
region = eu-west-1
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = keys
mfa_serial = arn:aws:iam::123456789012:mfa/alice
"""
CREDENTIALS = "[keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = example\n"
SSH_CLIENT_HELLO = b"SSH-2.0-OpenSSH_9.2p1\r\n"


def run_detached(
    args: list[str], home: Path, stdin: bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    (home / "config").write_text(CONFIG, encoding="utf-8")
    (home / "credentials").write_text(CREDENTIALS, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ssmgui", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env={
            "HOME": str(home),
            "PATH": "/usr/bin:/bin",
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "SSMGUI_BROKER": "off",  # no helper outliving the test
            **(env or {}),
        },
        start_new_session=True,  # no controlling terminal
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


@pytest.mark.parametrize(
    "command",
    [
        ["forward", "i-0123456789abcdef0", "--remote-port", "22"],
        ["ssh-proxy", "i-0123456789abcdef0", "22"],
        ["connect", "i-0123456789abcdef0", "ssh"],
    ],
)
def test_a_sign_in_without_a_terminal_says_to_log_in_first(
    command: list[str], tmp_path: Path
) -> None:
    done = run_detached([*command, "--profile", "admin"], tmp_path, SSH_CLIENT_HELLO)
    assert done.returncode == 2
    assert "needs an MFA code and there is no terminal to ask on" in done.stderr
    assert "Run: ssmgui login admin" in done.stderr
    assert "Traceback" not in done.stderr
    assert "SSH-2.0" not in done.stderr  # the stream was not taken for a code


@pytest.mark.parametrize("variable", ["AWS_DEFAULT_PROFILE", "AWS_PROFILE"])
def test_the_profile_botocore_would_use_is_the_one_signed_in(variable: str, tmp_path: Path) -> None:
    command = ["forward", "i-0123456789abcdef0", "--remote-port", "22"]
    done = run_detached(command, tmp_path, b"", {variable: "admin"})
    assert "Run: ssmgui login admin" in done.stderr, done.stderr
