"""A terminal that ssh fails in stays open with the exit status and a note until Enter;
one whose ssh ended well closes at once. The real /bin/sh runs the real script."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.launch import HostOs
from ssmgui.core.settings import Settings
from ssmgui.core.terminals import held_on_failure
from ssmgui.core.tunnel import TunnelKind
from ssmgui.services.launch.client_process import ClientProcess, Desktop, SpawnRequest
from ssmgui.services.launch.launcher import Launcher

NOTE = "The demo has no SSH server."


async def started(argv: list[str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


async def test_a_failed_command_waits_for_enter_showing_its_status_and_the_note() -> None:
    process = await started(held_on_failure(["/bin/sh", "-c", "echo refused; exit 255"], NOTE))
    assert process.stdout is not None and process.stdin is not None
    shown = b""
    while b"Press Enter" not in shown:
        shown += await asyncio.wait_for(process.stdout.read(200), 10)
    await asyncio.sleep(0.2)
    assert process.returncode is None  # still open: the person can read it
    text = shown.decode()
    assert "refused" in text and "sh exited with status 255." in text and NOTE in text
    process.stdin.write(b"\n")
    assert await asyncio.wait_for(process.wait(), 10) == 255


async def test_a_session_that_ended_well_closes_at_once() -> None:
    process = await started(held_on_failure(["/bin/sh", "-c", "exit 0"], NOTE))
    out, _ = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0 and out == b""


def test_an_empty_command_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="no command"):
        held_on_failure([])


class Recorder:
    def __init__(self) -> None:
        self.argv: tuple[str, ...] = ()

    async def __call__(self, request: SpawnRequest) -> ClientProcess:
        self.argv = request.argv
        process = await asyncio.create_subprocess_exec("true")
        return process


async def test_the_launchers_note_reaches_the_terminal_and_the_client(tmp_path: Path) -> None:
    recorder = Recorder()
    host = Desktop(HostOs.LINUX, which=lambda name: f"/usr/bin/{name}", env={})
    launcher = Launcher(host, recorder, str(tmp_path), notes={TunnelKind.SSH: NOTE})
    client = await launcher.open(TunnelKind.SSH, 40022, Settings(), instance_id="i-0abc")
    assert client.note == NOTE
    assert recorder.argv[recorder.argv.index("ssmgui") + 1] == NOTE
    await client.wait()
