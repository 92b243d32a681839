"""Folders and files only their owner may read: the log, the cache, settings, records.

They hold instance ids, session ids and profile names, which other users of the same
computer have no business reading. On POSIX a folder we own is made 0700 (also when it
already existed with a wider mode) and a file 0600. On Windows a user's AppData is private
already and `chmod` only sets the read-only bit, so nothing more is done there.
"""

from __future__ import annotations

import os
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
