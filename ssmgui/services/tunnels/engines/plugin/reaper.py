"""The record of plugin processes we launched, so none outlives us.

A clean stop ends every plugin. A crash (or a kill -9) of ssmgui cannot: the plugins sit in
their own process groups (so an interrupt reaches them alone, docs/protocol.md §10)
and keep their sessions open. So each launch is written to a small JSON file
(tunnels/record_file.py), and the next start reaps what is left — but only a process that
still matches the record in pid, start time AND name (services/process_identity.py), never
an unrelated process that reused the pid.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psutil

from ssmgui.services.process_identity import ProcessIdentity, describe, same_process
from ssmgui.services.tunnels.record_file import RecordFile, default_state_dir

log = logging.getLogger(__name__)

RECORD_NAME = "plugin-processes.json"


class ProcessRecord:
    """A JSON list of ProcessIdentity in `directory` (platformdirs' state dir by default).

    One ssmgui per user: a second instance would reap the first's plugins. Within it, any
    number of records of the same file may add, remove and reap, from any thread.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._file = RecordFile((directory or default_state_dir()) / RECORD_NAME)
        self.path = self._file.path

    def entries(self) -> list[ProcessIdentity]:
        found: list[ProcessIdentity] = []
        for entry in self._file.read():
            identity = _identity(entry)
            if identity is None:
                log.warning("ignoring a damaged entry of %s", self.path)
                return []
            found.append(identity)
        return found

    def add(self, pid: int) -> None:
        identity = describe(pid)
        if identity is not None:
            self._file.edit(lambda entries: [*entries, asdict(identity)])

    def remove(self, pid: int) -> None:
        self._file.edit(lambda entries: [e for e in entries if e.get("pid") != pid])

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
        # Launched meanwhile by this run: kept.
        self._file.edit(lambda entries: [e for e in entries if _identity(e) not in found])
        return stopped


def _identity(entry: dict[str, Any]) -> ProcessIdentity | None:
    """The entry as a ProcessIdentity; None if damaged."""
    try:
        return ProcessIdentity(int(entry["pid"]), float(entry["started"]), str(entry["name"]))
    except (KeyError, TypeError, ValueError):
        return None


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
