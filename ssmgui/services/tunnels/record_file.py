"""A small JSON record on disk that must survive a crash: a list of objects in one file.

The plugin reaper's launched processes and each process's live sessions are kept this way,
so the next start can clean up after a run that could not. A record is read tolerantly (a
missing file is an empty record; a damaged one is logged and read as empty, never fatal)
and written atomically, through a temporary file of its own in a private folder
(services/private_paths.py): a reader, or a crash in the middle, never sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs

from ssmgui.services.private_paths import write_privately

log = logging.getLogger(__name__)

Entries = list[dict[str, Any]]
# Several objects of one process may edit the same file, from the loop and from threads:
# each read-change-write holds this lock, or one edit undoes another. Edits are tiny.
_EDITS = threading.Lock()


def default_state_dir() -> Path:
    """platformdirs' state folder for ssmgui, where records live."""
    return Path(platformdirs.user_state_dir("ssmgui"))


class RecordFile:
    """The record at `path`: `read`, and `edit` under this process's lock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> Entries:
        """The entries (objects only); [] when the file is missing or damaged."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            log.warning("ignoring a damaged %s: %s", self.path, exc)
            return []
        if not isinstance(raw, list):
            log.warning("ignoring a damaged %s: not a list", self.path)
            return []
        return [entry for entry in raw if isinstance(entry, dict)]

    def edit(
        self, change: Callable[[Entries], Entries], *, remove_when_empty: bool = False
    ) -> None:
        """Replace the entries with `change(entries)`, atomically, under the lock."""
        with _EDITS:
            self.write(change(self.read()), remove_when_empty=remove_when_empty)

    def write(self, entries: Entries, *, remove_when_empty: bool = False) -> None:
        """Write `entries` atomically (or delete the file when they are none and
        `remove_when_empty`). Raises OSError when the folder cannot be written."""
        if remove_when_empty and not entries:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        write_privately(self.path, json.dumps(entries))
