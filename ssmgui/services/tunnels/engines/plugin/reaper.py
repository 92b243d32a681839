"""The record of plugin processes we launched, so none outlives us.

A clean stop ends every plugin. A crash (or a kill -9) of ssmgui cannot: the plugins sit in
their own process groups (so an interrupt reaches them alone, docs/protocol.md §10)
and keep their sessions open. So each launch is written to a small JSON file, and the next
start reaps what is left — but only a process that still matches the record in pid, start
time AND name, never an unrelated process that reused the pid.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs
import psutil

from ssmgui.services.private_paths import private_directory

log = logging.getLogger(__name__)

RECORD_NAME = "plugin-processes.json"
_START_TIME_TOLERANCE_S = 0.05
# Every engine has its own ProcessRecord on the same file, written from the loop (launches,
# exits) and from reap's thread: each read-change-write holds this, or one undoes another.
_EDITS = threading.Lock()


@dataclass(frozen=True)
class LaunchedProcess:
    pid: int
    started: float  # psutil create_time (epoch seconds)
    name: str


def describe(pid: int) -> LaunchedProcess | None:
    """Identity of a live process, or None if it is gone."""
    try:
        process = psutil.Process(pid)
        return LaunchedProcess(pid, process.create_time(), process.name())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def same_process(recorded: LaunchedProcess, current: LaunchedProcess | None) -> bool:
    return (
        current is not None
        and current.pid == recorded.pid
        and current.name == recorded.name
        and abs(current.started - recorded.started) <= _START_TIME_TOLERANCE_S
    )


def default_state_dir() -> Path:
    return Path(platformdirs.user_state_dir("ssmgui"))


class ProcessRecord:
    """A JSON list of LaunchedProcess in `directory` (platformdirs' state dir by default).

    One ssmgui per user: a second instance would reap the first's plugins. Within it, any
    number of records of the same file may add, remove and reap, from any thread.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or default_state_dir()) / RECORD_NAME

    def entries(self) -> list[LaunchedProcess]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return [
                LaunchedProcess(int(e["pid"]), float(e["started"]), str(e["name"])) for e in raw
            ]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring a damaged %s: %s", self.path, exc)
            return []

    def add(self, pid: int) -> None:
        identity = describe(pid)
        if identity is not None:
            with _EDITS:
                self._write([*self.entries(), identity])

    def remove(self, pid: int) -> None:
        with _EDITS:
            self._write([e for e in self.entries() if e.pid != pid])

    def reap(self, grace_s: float = 5.0) -> list[int]:
        """Stop every recorded process that is still ours; clear the record. Returns the pids
        stopped. Interrupt first (the plugin then sends TerminateSession), kill after
        `grace_s`."""
        stopped: list[int] = []
        found = self.entries()
        for entry in found:
            if not same_process(entry, describe(entry.pid)):
                continue
            log.warning(
                "stopping a session-manager-plugin left from a previous run (%d)", entry.pid
            )
            _interrupt_then_kill(entry.pid, grace_s)  # not under the lock: it takes seconds
            stopped.append(entry.pid)
        with _EDITS:  # launched meanwhile by this run: kept
            self._write([e for e in self.entries() if e not in found])
        return stopped

    def _write(self, entries: list[LaunchedProcess]) -> None:
        """Atomically, through a temporary file of its own (two writers must never share
        one: the second rename would find it gone)."""
        private_directory(self.path.parent)
        handle, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=".plugin-processes-", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(json.dumps([asdict(e) for e in entries]))
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def _interrupt_then_kill(pid: int, grace_s: float) -> None:
    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
        process = psutil.Process(pid)
        # On Windows a CTRL_BREAK cannot reach another console's group: kill is all we have.
        if os.name != "nt":
            process.send_signal(signal.SIGINT)
            with contextlib.suppress(psutil.TimeoutExpired):
                process.wait(grace_s)
                return
        process.kill()
        process.wait(grace_s)
