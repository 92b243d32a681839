"""A started client program: how it is spawned, the desktop it runs on, its lifecycle.

`Desktop` holds the host's facts (OS, `which`, file existence, environment) and `Spawn` starts
processes, so tests run the launcher's real code paths on Linux with the Windows and macOS
choices made by equality.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ssmgui.core.launch import HostOs


class ClientProcess(Protocol):
    """The part of `asyncio.subprocess.Process` the launcher uses."""

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...

    def terminate(self) -> None: ...


@dataclass(frozen=True)
class SpawnRequest:
    """One process to start: argv (no shell), its environment, and on Windows whether it
    gets a console window of its own (terminals started from a console CLI need one)."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    new_console: bool = False


Spawn = Callable[[SpawnRequest], Awaitable[ClientProcess]]


async def spawn_process(request: SpawnRequest) -> ClientProcess:
    """Start `request` with asyncio, stdin/stdout/stderr closed (a client that prompts,
    such as FreeRDP, opens /dev/tty itself when there is one)."""
    flags = 0
    if sys.platform == "win32" and request.new_console:
        flags = subprocess.CREATE_NEW_CONSOLE
    return await asyncio.create_subprocess_exec(
        *request.argv,
        env=dict(request.env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        creationflags=flags,
    )


@dataclass(frozen=True)
class Desktop:
    """The facts about this computer the launcher depends on."""

    os_name: HostOs
    which: Callable[[str], str | None] = shutil.which
    exists: Callable[[str], bool] = os.path.exists
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @classmethod
    def current(cls) -> Desktop:
        return cls(HostOs.parse(sys.platform))

    def first_program(self, names: Sequence[str]) -> str | None:
        """The path of the first of `names` on PATH."""
        return next((path for name in names if (path := self.which(name))), None)

    def first_file(self, paths: Sequence[str]) -> str | None:
        return next((path for path in paths if self.exists(path)), None)

    def system32(self, program: str) -> str:
        root = self.env.get("SystemRoot", r"C:\Windows")
        return f"{root}\\System32\\{program}"


class LaunchedClient:
    """A started client. `wait()` returns its exit code; `terminate()` ends it.

    `handed_off` clients (macOS `open`, Windows Terminal, Remmina, browser openers) pass the
    work to another process and exit at once: their exit is not the end of the session, so
    keep the tunnel until the user stops it. The .rdp directory is removed when a client that
    is not handed off exits, and always by `close()` (call it when the tunnel ends: a
    handed-off app may read the file late).
    """

    def __init__(
        self,
        argv: Sequence[str],
        process: ClientProcess,
        *,
        handed_off: bool,
        private_dir: Path | None = None,
    ) -> None:
        self.argv = tuple(argv)
        self.handed_off = handed_off
        self.note = ""  # what the person should read as it opens (Launcher's `notes`)
        self._process = process
        self._private_dir = private_dir

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    @property
    def rdp_file(self) -> Path | None:
        if self._private_dir is None:
            return None
        return next(iter(self._private_dir.glob("*.rdp")), None)

    async def wait(self) -> int:
        code = await self._process.wait()
        if not self.handed_off:
            self.close()
        return code

    def terminate(self) -> None:
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.terminate()

    def close(self) -> None:
        """Remove the private directory (and its .rdp file). Idempotent."""
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None
