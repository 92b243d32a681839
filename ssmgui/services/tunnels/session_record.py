"""The live sessions of this process, on disk, so that a crash leaves none open.

Session Manager keeps a session until someone calls TerminateSession or it times out (20
minutes idle by default). A clean stop terminates every session; a crash or a kill -9
cannot. So the engine that owns the data channels (engines/native.py) writes each session
here when StartSession answers, and removes it when the session ends cleanly
(TerminateSession answered, or the service ended it). Whatever a dead process left is
ended at the next start of a tunnel command (leftover_sessions.py).

An entry holds what a later run needs to call TerminateSession with the same profile's
credentials: the session id, profile, region and SSM endpoint — never a token or a
credential — with the owning process's pid and start time, and when the session started.

Each process writes a file of its own, `<state dir>/sessions/<pid>-<start ms>.json`
(services/process_identity.py names the owner), removed with its last entry: the GUI, any
number of `forward`s and an `ssh-proxy` per SSH connection run at once, and none of them
ever edits another's file, so no lock between processes is needed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ssmgui.services.process_identity import owner_tag, this_process
from ssmgui.services.tunnels.record_file import Entries, RecordFile, default_state_dir

log = logging.getLogger(__name__)

SESSIONS_FOLDER = "sessions"
RECORD_SUFFIX = ".json"


@dataclass(frozen=True)
class RecordedSession:
    session_id: str
    profile: str
    region: str
    endpoint_url: str  # the SSM endpoint StartSession went to ("" for botocore's choice)
    owner_pid: int
    owner_started: float  # the owner's psutil create_time (epoch seconds)
    started: float  # when StartSession answered (epoch seconds)

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> RecordedSession | None:
        """The entry, or None when it is damaged."""
        try:
            return cls(
                session_id=_text(entry["session_id"]),
                profile=_text(entry["profile"]),
                region=_text(entry["region"]),
                endpoint_url=str(entry["endpoint_url"]),
                owner_pid=int(entry["owner_pid"]),
                owner_started=float(entry["owner_started"]),
                started=float(entry["started"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("an empty or non-text field")
    return value


def sessions_dir(state_dir: Path | None = None) -> Path:
    """Where every process's session record lives."""
    return (state_dir or default_state_dir()) / SESSIONS_FOLDER


class SessionRecord:
    """This process's live sessions, in its own file under `directory`.

    `add` and `remove` never raise: a record that cannot be written is logged, and the
    tunnel goes on (it only loses the clean-up after a crash).
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or sessions_dir()
        self._owner = this_process()
        self._file = RecordFile(self.directory / f"{owner_tag(self._owner)}{RECORD_SUFFIX}")

    @property
    def path(self) -> Path:
        return self._file.path

    def entries(self) -> list[RecordedSession]:
        parsed = (RecordedSession.from_json(entry) for entry in self._file.read())
        return [entry for entry in parsed if entry is not None]

    def add(self, session_id: str, *, profile: str, region: str, endpoint_url: str) -> None:
        entry = RecordedSession(
            session_id=session_id,
            profile=profile,
            region=region,
            endpoint_url=endpoint_url,
            owner_pid=self._owner.pid,
            owner_started=self._owner.started,
            started=time.time(),
        )
        self._edit(lambda entries: [*entries, asdict(entry)], session_id)

    def remove(self, session_id: str) -> None:
        self._edit(
            lambda entries: [e for e in entries if e.get("session_id") != session_id], session_id
        )

    def _edit(self, change: Callable[[Entries], Entries], session_id: str) -> None:
        try:
            self._file.edit(change, remove_when_empty=True)
        except OSError as exc:
            log.warning("cannot update the session record %s (%s): %s", self.path, session_id, exc)
