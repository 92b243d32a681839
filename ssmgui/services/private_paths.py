"""Folders and files only their owner may read: the log, the cache, settings, records.

They hold instance ids, session ids and profile names, which other users of the same
computer have no business reading. On POSIX a folder we own is made 0700 (also when it
already existed with a wider mode) and a file 0600. On Windows a user's AppData is private
already and `chmod` only sets the read-only bit, so nothing more is done there.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_directory(path: Path) -> Path:
    """`path`, created if missing (with its parents) and readable by its owner only.

    Raises OSError when it cannot be created or its mode cannot be set.
    """
    path.mkdir(mode=PRIVATE_DIRECTORY_MODE, parents=True, exist_ok=True)
    if os.name == "posix":
        path.chmod(PRIVATE_DIRECTORY_MODE)
    return path


def make_private(path: Path) -> None:
    """Narrow an existing file to its owner (POSIX); missing files are left alone."""
    if os.name == "posix" and path.exists():
        path.chmod(PRIVATE_FILE_MODE)


def write_privately(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) at once: readers see the old file or the new one,
    never half of either, and a crash leaves the old one.

    The text goes to a temporary file of its own in the same, private folder (0600, as
    mkstemp makes it; one per write, so two writers never rename each other's away), which
    is then renamed over `path`; it is removed if anything fails. Raises OSError.
    """
    private_directory(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
