"""The GUI's log file: private to its owner, and somewhere writable whatever happens.

The log holds instance ids, session ids and profile names (never secrets: see
docs/architecture.md), so its folder is 0700 and its files 0600 on POSIX. When the usual
folder cannot be written (read-only home, a file in the folder's place, no permission), the
log goes to a fresh private temporary folder for this run and `notice` says so, for the
person to read on the screen: an app must not refuse to start over its log.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from ssmgui.services.private_paths import PRIVATE_FILE_MODE, make_private, private_directory

LOG_FILE_NAME = "ssmgui.log"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# botocore logs whole response bodies, STS secrets included, at DEBUG.
QUIET_LIBRARIES = ("botocore", "boto3", "urllib3", "websockets", "keyring")


@dataclass(frozen=True)
class LogFile:
    """Where this run logs; `notice` is empty unless that is not where it usually is."""

    path: Path
    notice: str = ""


def default_log_path() -> Path:
    return Path(platformdirs.user_log_dir("ssmgui", appauthor=False)) / LOG_FILE_NAME


def start_log_file(preferred: Path, verbose: bool = False) -> LogFile:
    """Log to `preferred`, or to a private temporary folder when it cannot be written."""
    try:
        handler = _private_handler(preferred)
        chosen = LogFile(preferred)
    except OSError as exc:
        fallback = Path(tempfile.mkdtemp(prefix="ssmgui-log-")) / LOG_FILE_NAME
        handler = _private_handler(fallback)
        reason = exc.strerror or type(exc).__name__
        chosen = LogFile(
            fallback,
            f"ssmgui cannot write its log in {preferred.parent} ({reason}), so this run logs "
            f"to {fallback}. Check that folder's permissions.",
        )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    if chosen.notice:
        logging.getLogger(__name__).warning("%s", chosen.notice)
    return chosen


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file handler whose every file, the new one after a rollover included,
    is readable by its owner only."""

    def doRollover(self) -> None:  # noqa: N802 - logging's name
        super().doRollover()
        make_private(Path(self.baseFilename))


def _private_handler(path: Path) -> logging.Handler:
    private_directory(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE))
    make_private(path)  # a log file from before keeps its old mode otherwise
    return _PrivateRotatingFileHandler(path, maxBytes=2_000_000, backupCount=3)
