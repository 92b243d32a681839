"""The .rdp folders never outlive their ssmgui: removed on quit even while the RDP client
is still open, and a crashed run's removed at the next start — never a running one's."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from ssmgui.core.launch import HostOs
from ssmgui.core.settings import Settings
from ssmgui.services.launch.client_process import ClientProcess, Desktop, SpawnRequest
from ssmgui.services.launch.launcher import RDP_FOLDER_PREFIX, Launcher
from ssmgui.services.process_identity import describe, owner_tag, this_process


class StillOpen:
    """A client process that has not exited (the RDP window is still up)."""

    def __init__(self) -> None:
        self.returncode: int | None = None
        self._exit = asyncio.Event()

    async def wait(self) -> int:
        await self._exit.wait()
        return 0

    def terminate(self) -> None:
        self._exit.set()


async def spawn_still_open(_request: SpawnRequest) -> ClientProcess:
    return StillOpen()


def linux_launcher(root: Path) -> Launcher:
    host = Desktop(HostOs.LINUX, which={"xfreerdp": "/usr/bin/xfreerdp"}.get, env={})
    return Launcher(host, spawn_still_open, temp_root=str(root))


def dead_owner_tag() -> str:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    identity = describe(child.pid)
    child.kill()
    child.wait()
    assert identity is not None
    return owner_tag(identity)


async def test_close_removes_the_folders_of_clients_still_open(tmp_path: Path) -> None:
    launcher = linux_launcher(tmp_path)
    first = await launcher.open_rdp(13389, Settings(), title="web-1")
    second = await launcher.open_rdp(13390, Settings(), title="web-2")
    folders = [client.rdp_file.parent for client in (first, second) if client.rdp_file]
    assert len(folders) == 2
    assert all(
        f.name.startswith(f"{RDP_FOLDER_PREFIX}{owner_tag(this_process())}-") for f in folders
    )
    assert first.returncode is None  # the RDP client still runs
    launcher.close()
    assert list(tmp_path.iterdir()) == []


async def test_a_crashed_runs_folders_go_at_the_next_start_and_a_running_ones_stay(
    tmp_path: Path,
) -> None:
    running = await linux_launcher(tmp_path).open_rdp(13389, Settings(), title="web-1")
    crashed = tmp_path / f"{RDP_FOLDER_PREFIX}{dead_owner_tag()}-x1y2z3"
    crashed.mkdir(mode=0o700)
    (crashed / "web-9.rdp").write_text("full address:s:127.0.0.1:13399\n")
    assert linux_launcher(tmp_path).remove_leftovers() == [crashed]
    assert running.rdp_file is not None and running.rdp_file.exists()
