"""`ssmgui --demo COMMAND` runs on the GUI's demo world: the same profiles, instances and MFA
rule, as a person types the commands (real processes, a pseudo-terminal for the MFA code)."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.cli.commands import run_ssmgui

#: The featured instances' ids are fixed: i-0de<profile index><n>, as the GUI lists them.
DEV_WEB, DEV_SSH = "i-0de20000000000001", "i-0de20000000000003"
FEATURED = {"demo-web", "demo-rdp", "demo-ssh", "demo-files", "demo-offline", "demo-old-agent"}

pytestmark = pytest.mark.slow


def rows(stdout: str) -> list[list[str]]:
    return [line.split() for line in stdout.splitlines() if line.startswith(("i-", "mi-"))]


def where(row: list[str]) -> str:
    """The row's profile/region."""
    return next(word for word in row if re.fullmatch(r"demo-\w+/[a-z0-9-]+", word))


def test_list_shows_the_gui_demos_profiles_and_featured_instances(tmp_path: Path) -> None:
    command = ["--demo", "list", "--profile", "demo-dev", "--filter", "team=demo"]
    done = run_ssmgui(command, tmp_path)
    assert done.returncode == 0, done.stderr
    listed = rows(done.stdout)
    assert {row[1] for row in listed} == FEATURED
    assert {where(row) for row in listed} == {"demo-dev/eu-west-1"}
    assert [row[0] for row in listed if row[1] == "demo-web"] == [DEV_WEB]
    assert "demo-prod (MFA), demo-staging" in done.stderr and "demo-dev (no MFA)" in done.stderr


def in_terminal(args: list[str], typed: bytes, timeout: float = 60) -> tuple[int, str]:
    """`ssmgui args` with a pseudo-terminal as stdin (and stderr), `typed` on it: as a
    person runs it in a terminal. Returns the exit code and everything the terminal showed
    (stdout is a pipe, read after the end)."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "ssmgui", *args],
        stdin=slave, stdout=subprocess.PIPE, stderr=slave,
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"},
    )  # fmt: skip
    os.close(slave)
    os.write(master, typed)
    shown = b""
    try:
        out, _ = process.communicate(timeout=timeout)
    finally:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        os.close(master)
    return process.returncode, out.decode() + shown.decode(errors="replace")


def test_list_asks_one_mfa_code_for_prod_and_staging_and_lists_every_profile() -> None:
    code, shown = in_terminal(["--demo", "list"], b"123456\n")
    assert code == 0, shown
    assert shown.count("MFA code for") == 1
    profiles = {where(row).split("/")[0] for row in rows(shown)}
    assert profiles == {"demo-prod", "demo-staging", "demo-dev"}
    assert len(rows(shown)) > 300  # the GUI's 378


def test_whoami_defaults_to_demo_prod_and_refuses_000000_like_the_gui() -> None:
    code, shown = in_terminal(["--demo", "whoami"], b"000000\n123456\n")
    assert code == 0, shown
    assert "Profile:  demo-prod" in shown and "user/demo-user" in shown
    assert shown.count("MFA code for 'demo-prod' (arn:") == 2  # asked again after 000000
    assert "rejected the MFA code" in shown


def test_an_unknown_profile_names_the_demo_profiles(tmp_path: Path) -> None:
    done = run_ssmgui(["--demo", "list", "--profile", "demo"], tmp_path)
    assert done.returncode == 2
    assert "Known profiles: demo-dev, demo-prod, demo-staging" in done.stderr


def test_without_a_terminal_the_demo_says_which_profile_needs_no_code(tmp_path: Path) -> None:
    done = run_ssmgui(["--demo", "list", "--profile", "demo-prod"], tmp_path)
    assert done.returncode == 1
    assert "use --profile demo-dev, which needs none" in done.stderr
    assert "ssmgui login" not in done.stderr  # no sign-in outlives a demo command


def test_forward_reaches_demo_webs_page(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ssmgui", "--demo", "forward", DEV_WEB, "--remote-port", "80",
         "--profile", "demo-dev"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline() + process.stdout.readline()
        port = re.search(r"127\.0\.0\.1:(\d+)", line)
        assert port, line
        with urllib.request.urlopen(f"http://127.0.0.1:{port[1]}/", timeout=10) as page:
            assert b"came through an SSM tunnel from ssmgui" in page.read()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0


def test_connect_http_opens_the_browser_on_demo_web(tmp_path: Path) -> None:
    """`connect` uses the demo's endpoints, and the person's settings file is not touched."""
    opened = tmp_path / "opened-url"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opener = bin_dir / "xdg-open"
    opener.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    opener.chmod(0o755)
    process = subprocess.Popen(
        [sys.executable, "-m", "ssmgui", "--demo", "connect", DEV_WEB, "http",
         "--profile", "demo-dev"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
             "PATH": f"{bin_dir}:{os.environ['PATH']}"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (opened.exists() and opened.read_text().strip()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with urllib.request.urlopen(opened.read_text().strip(), timeout=10) as page:
            assert b"came through an SSM tunnel from ssmgui" in page.read()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    assert not (tmp_path / "config").exists()


def test_ssh_proxy_reaches_demo_ssh(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ssmgui", "--demo", "ssh-proxy", DEV_SSH, "--profile", "demo-dev"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"SSH-2.0-OpenSSH_9.2\r\n")
    process.stdin.flush()
    try:
        received = b""
        while b"\r\n" not in received:  # demo-ssh's SSH server says who it is first
            chunk = os.read(process.stdout.fileno(), 4096)
            assert chunk, received
            received += chunk
    finally:
        process.stdin.close()
        process.wait(30)
    assert received.startswith(b"SSH-2.0-ssmgui-demo\r\n")


#: x-terminal-emulator for `connect … ssh`: runs what follows -e, typing one command, and
#: records what it showed.
FAKE_TERMINAL = """\
import subprocess, sys
argv = sys.argv[sys.argv.index("-e") + 1:]
done = subprocess.run(argv, input=b"echo cli-$((6*7))\\n", capture_output=True, timeout=60)
with open({record!r}, "wb") as out:
    out.write(done.stdout + done.stderr + b"status %d" % done.returncode)
"""


def test_connect_ssh_with_a_pushed_key_logs_in_to_demo_ssh_and_trusts_only_the_demo(
    tmp_path: Path,
) -> None:
    """`ssmgui --demo connect demo-ssh ssh --push-key`: ssh logs in with the pushed key to
    the demo's shell, trusting the demo's host key from the demo's known_hosts: nothing is
    asked, and the person's ~/.ssh/known_hosts is not written."""
    bin_dir, record = tmp_path / "bin", tmp_path / "terminal.out"
    bin_dir.mkdir()
    terminal = bin_dir / "x-terminal-emulator"
    terminal.write_text(f"#!{sys.executable}\n" + FAKE_TERMINAL.format(record=str(record)))
    terminal.chmod(0o755)
    done = subprocess.run(
        [sys.executable, "-m", "ssmgui", "--demo", "connect", DEV_SSH, "ssh", "--push-key",
         "--profile", "demo-dev"],
        check=False, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90,
        env={**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
             "PATH": f"{bin_dir}:{os.environ['PATH']}"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    shown = record.read_text(errors="replace")
    assert "this is a real shell on THIS computer" in shown and "cli-42" in shown, shown
    assert shown.endswith("status 0") and "authenticity" not in shown
    assert not (tmp_path / ".ssh").exists()


def test_doctor_checks_a_demo_profile_on_the_demo_world(tmp_path: Path) -> None:
    done = run_ssmgui(["--demo", "doctor", "--profile", "demo-dev"], tmp_path)
    assert "[ok  ] credentials" in done.stdout and "333333333333" in done.stdout, done.stderr
    assert "[ok  ] ssm:DescribeInstanceInformation" in done.stdout
    assert "i-0de20000000000006 (2.3.444.0)" in done.stdout  # demo-old-agent, told as too old
    assert not (tmp_path / ".config").exists()  # the person's settings are not read or written
