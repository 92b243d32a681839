"""kill -9 of `ssmgui forward` and `ssmgui ssh-proxy` leaves no session open for long: the
next start ends what they left.

Everything runs as real processes: the fake AWS (`python -m ssmgui.demo`), the killed
commands and the next `ssmgui forward`; the fake is then asked, as AWS would be
(DescribeSessions), which sessions are still active.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests.demo_process import demo_process
from tests.leftover_fixtures import (
    ECHO_INSTANCE,
    session_records,
    sessions_in,
    ssmgui_env,
    until_terminated,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fake() -> Iterator[dict[str, Any]]:
    with demo_process() as info:
        yield info


def ssmgui(
    info: dict[str, Any], home: Path, *command: str, **pipes: Any
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ssmgui", *command, ECHO_INSTANCE, "--endpoint-url",
         info["api_url"], "--allow-stream-host", info["stream_host"]],
        env=ssmgui_env(info, home), **pipes,
    )  # fmt: skip


def forward(info: dict[str, Any], home: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`ssmgui forward` with its tunnel open; its session id, as it announces it."""
    process = ssmgui(info, home, "forward", "--remote-port", "7", stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    found = re.search(r"\(session (\S+), ", line)
    assert found, f"no tunnel: {line!r}"
    return process, found.group(1)


def ssh_proxy(info: dict[str, Any], home: Path) -> subprocess.Popen[bytes]:
    """`ssmgui ssh-proxy` carrying bytes (the demo's port 22 echoes them)."""
    process = ssmgui(info, home, "ssh-proxy", stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"SSH-2.0-test\r\n")
    process.stdin.flush()
    assert read_exactly(process.stdout, 14) == b"SSH-2.0-test\r\n"
    return process


def read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = b""
    while len(data) < size and (piece := stream.read1(size - len(data))):  # type: ignore[attr-defined]
        data += piece
    return data


def kill_9(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.wait(10)  # collected: a zombie would still count as running


def test_sessions_of_killed_commands_are_ended_at_the_next_start(
    fake: dict[str, Any], tmp_path: Path
) -> None:
    before = sessions_in(fake, "Active")
    forwarding, forwarded = forward(fake, tmp_path)
    proxying = ssh_proxy(fake, tmp_path)
    (proxied,) = sessions_in(fake, "Active") - before - {forwarded}
    assert len(session_records(tmp_path)) == 2  # one file per live process
    kill_9(forwarding)
    kill_9(proxying)
    assert {forwarded, proxied} <= sessions_in(fake, "Active")  # left open by the kill

    restarted, own = forward(fake, tmp_path)
    try:
        until_terminated(fake, {forwarded, proxied})
        assert own in sessions_in(fake, "Active")
        (remaining,) = session_records(tmp_path)  # only the new forward's own
        assert own in remaining.read_text()
    finally:
        restarted.send_signal(signal.SIGINT)
        assert restarted.wait(30) == 130
    assert own in sessions_in(fake, "History")
    assert session_records(tmp_path) == []  # a clean exit leaves no record


def test_a_killed_ssh_proxys_session_is_ended_by_the_next_ssh_proxy(
    fake: dict[str, Any], tmp_path: Path
) -> None:
    before = sessions_in(fake, "Active")
    first = ssh_proxy(fake, tmp_path)
    (left,) = sessions_in(fake, "Active") - before
    kill_9(first)
    second = ssh_proxy(fake, tmp_path)
    try:
        until_terminated(fake, {left})
    finally:
        assert second.stdin is not None
        second.stdin.close()  # end of the SSH connection: a clean stop
        assert second.wait(30) == 0
    assert session_records(tmp_path) == []
