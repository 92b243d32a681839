"""`ssmgui shell` at a real terminal (a pty) against the demo fake in its own process: the
prompt, a command, non-ASCII both ways, a resize seen by `stty size` on the far side,
Ctrl-C interrupting a command, the exit status, and the terminal restored on every way out
(the shell exits, the service ends the session, a signal, after the link dropped).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.cli.shell_pty import demo_env, pty_shell, shell_argv
from tests.demo_process import demo_process, demo_process_running

LINUX = "i-0de0000000000e001"  # echo-digest: offers a shell
WINDOWS = "i-0de000000000a1003"  # offers none
KMS_LINUX = "i-0de0000000000b002"  # demo-web: its shells are KMS-encrypted

pytestmark = pytest.mark.slow  # each test starts ssmgui (and the fake) in processes


@pytest.fixture(scope="module")
def fake() -> Iterator[dict[str, Any]]:
    with demo_process() as info:
        yield info


def test_a_shell_session_at_a_terminal(fake: dict[str, Any]) -> None:
    with pty_shell(fake, LINUX, cols=100, rows=30) as term:
        term.expect(rb"this is a real shell on THIS computer")
        term.expect(rb"demo\$ ")
        term.send("echo héllo ✓ $((6 * 7))\r".encode())
        term.expect("héllo ✓ 42\r\n".encode())  # typed in UTF-8, echoed back in UTF-8
        term.send(b"stty size\r")
        term.expect(rb"[\r\n]30 100\r\n")  # the size at the start
        term.resize(132, 43)
        time.sleep(0.5)  # SIGWINCH → a Size message → the pty's window
        term.send(b"stty size\r")
        term.expect(rb"[\r\n]43 132\r\n")
        term.send(b"sleep 30; echo not-$((1 + 1))-interrupted\r")
        time.sleep(0.5)
        started = time.monotonic()
        term.send(b"\x03")  # Ctrl-C: to the far side, not to ssmgui
        term.expect(rb"demo\$ ", timeout=10)
        assert time.monotonic() - started < 5
        term.send(b"echo still-here\r")
        term.expect(rb"[\r\n]still-here\r\n")
        term.send(b"exit 3\r")
        status, before, after = term.finish()
    assert b"not-2-interrupted" not in term.output  # the sleep did not end on its own
    assert status == 3
    assert after == before


def test_an_interactive_command_keeps_its_status(fake: dict[str, Any]) -> None:
    command = "printf 'out-%s\\n' $((40 + 2)); exit 5"
    with pty_shell(fake, LINUX, "--command", command) as term:
        term.expect(rb"out-42\r\n")
        status, before, after = term.finish()
    assert (status, after) == (5, before)


def test_piped_input_needs_no_terminal(fake: dict[str, Any]) -> None:
    run = subprocess.run(
        shell_argv(fake, LINUX),
        input=b"echo piped-$((1 + 1))\nstty size\nexit 4\n",
        capture_output=True,
        env=demo_env(fake),
        timeout=60,
        check=False,
    )
    assert run.returncode == 4, run.stderr
    assert b"piped-2" in run.stdout
    assert b"24 80" in run.stdout  # no size message: the far side keeps its default


def test_the_service_ending_the_session_restores_the_terminal(fake: dict[str, Any]) -> None:
    ssm = boto3.client(
        "ssm",
        endpoint_url=fake["api_url"],
        region_name=fake["region"],
        aws_access_key_id=fake["access_key_id"],
        aws_secret_access_key=fake["secret_access_key"],
    )
    with pty_shell(fake, LINUX) as term:
        term.expect(rb"demo\$ ")
        term.send(b"echo SID=$SSM_SESSION_ID\r")
        session_id = term.expect(rb"SID=(demo-[0-9a-f]+)").group(1).decode()
        ssm.terminate_session(SessionId=session_id)  # as an administrator would
        term.expect(f"Session Manager ended session {session_id}".encode())
        status, before, after = term.finish()
    assert (status, after) == (0, before)


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_ends_the_session_and_restores_the_terminal(
    fake: dict[str, Any], number: signal.Signals
) -> None:
    """SIGTERM (kill), SIGHUP (the window closed), SIGINT (kill -INT: in raw mode Ctrl-C is
    a byte, never this signal)."""
    with pty_shell(fake, LINUX) as term:
        term.expect(rb"demo\$ ")
        term.signal(number)
        status, before, after = term.finish()
    assert (status, after) == (130, before)


def test_an_instance_without_a_shell_is_a_clear_error(fake: dict[str, Any]) -> None:
    with pty_shell(fake, WINDOWS) as term:
        term.expect(rb"ssmgui: .*offers no shell")
        status, before, after = term.finish()
    assert (status, after) == (2, before)


def _numbers_between(output: bytes, start: bytes, end: bytes) -> list[int]:
    """The lines between the output lines `start` and `end` (bash's bracketed-paste mode
    puts an escape sequence and a CR before the first), as numbers."""
    match = re.search(rb"[\r\n]" + start + rb"\r\n(.*?)\r\n" + end + rb"\r\n", output, re.S)
    assert match is not None
    return [int(line) for line in match.group(1).split(b"\r\n")]


@pytest.mark.parametrize("fault", ["--recycle-every", "--drop-every"])
def test_output_across_recycles_and_drops_is_whole(fault: str) -> None:
    """20,000 lines over about 2 s while the fake recycles (close 1000 "Bye") or drops
    every WebSocket every 0.3 s: each line once, in order, and the shell lives on."""
    loop = "for b in $(seq 0 19); do seq $((b*1000+1)) $((b*1000+1000)); sleep 0.1; done"
    with demo_process_running(fault, "0.3") as (info, process):
        with pty_shell(info, LINUX) as term:
            term.expect(rb"demo\$ ")
            term.send(f"echo BEGIN; {loop}; echo END\r".encode())
            term.expect(rb"[\r\n]END\r\n", timeout=60)
            term.send(b"exit 7\r")
            status, before, after = term.finish()
        process.send_signal(signal.SIGTERM)
        assert process.stdout is not None
        report = json.loads(process.stdout.read().strip().splitlines()[-1])
    assert _numbers_between(bytes(term.output), b"BEGIN", b"END") == list(range(1, 20001))
    assert (status, after) == (7, before)
    hits = report["faults"]["recycles"] + report["faults"]["drops"]
    assert hits >= 3, report
    (session,) = report["sessions"].values()
    assert session["websockets_opened"] >= 3


def test_ctrl_c_at_the_prompt_does_not_end_ssmgui(fake: dict[str, Any]) -> None:
    with pty_shell(fake, LINUX) as term:
        term.expect(rb"demo\$ ")
        term.send(b"\x03")
        term.expect(rb"\^C")  # the far side's line discipline took it
        term.expect(rb"demo\$ ")  # bash drops what is typed before its new prompt
        term.send(b"echo alive\r")
        term.expect(rb"[\r\n]alive\r\n")
        term.send(b"exit\r")
        status, _, _ = term.finish()
    assert status == 0


def test_a_kms_encrypted_shell_at_a_terminal(fake: dict[str, Any]) -> None:
    with pty_shell(fake, KMS_LINUX) as term:
        term.expect(rb"This session is encrypted using AWS KMS\.")
        term.expect(rb"demo\$ ")
        term.send("echo chiffré-$((3 * 3))\r".encode())
        term.expect("chiffré-9\r\n".encode())
        term.send(b"exit 2\r")
        status, before, after = term.finish()
    assert (status, after) == (2, before)
