"""Which process owns a record or a folder, and whether that process still runs.

A pid alone does not say: the system reuses pids, and a crashed ssmgui's pid may belong to
any program by the next start. A process is named by its pid AND its start time (and, for
processes we may signal, its name), so a record can be judged safely: still running means
hands off, gone means its leftovers are ours to clean up.

Owner tags ("<pid>-<start in ms>") carry the same identity in file and folder names.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

import psutil

#: psutil reads start times in clock ticks (10 ms on Linux); a recorded time may be rounded.
START_TIME_TOLERANCE_S = 0.05
_TAG = re.compile(r"(\d+)-(\d+)")


@dataclass(frozen=True)
class ProcessIdentity:
    pid: int
    started: float  # psutil create_time (epoch seconds)
    name: str


def describe(pid: int) -> ProcessIdentity | None:
    """The identity of a running process, or None when it is gone (a zombie is gone: it
    runs nothing any more, only waits for its parent to collect its exit code)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return ProcessIdentity(pid, process.create_time(), process.name())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


@functools.cache
def this_process() -> ProcessIdentity:
    """This process's identity (computed once: it cannot change)."""
    identity = describe(os.getpid())
    assert identity is not None  # we are running
    return identity


def same_process(recorded: ProcessIdentity, current: ProcessIdentity | None) -> bool:
    """True when `current` is the very process `recorded` names: pid, start time and name."""
    return (
        current is not None
        and current.pid == recorded.pid
        and current.name == recorded.name
        and abs(current.started - recorded.started) <= START_TIME_TOLERANCE_S
    )


def is_running(pid: int, started: float) -> bool:
    """True while the process started at `started` with `pid` runs (not another one that
    reused the pid)."""
    current = describe(pid)
    return current is not None and abs(current.started - started) <= START_TIME_TOLERANCE_S


def owner_tag(identity: ProcessIdentity) -> str:
    """The owner's identity in a file or folder name: "<pid>-<start time in ms>"."""
    return f"{identity.pid}-{round(identity.started * 1000)}"


def tagged_owner_runs(tag: str) -> bool | None:
    """Whether the owner named by `tag` still runs; None when `tag` is not an owner tag."""
    match = _TAG.fullmatch(tag)
    if match is None:
        return None
    return is_running(int(match.group(1)), int(match.group(2)) / 1000)
