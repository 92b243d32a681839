"""The GUI's log: private to its owner, and written somewhere even when its folder is not
writable (the app starts and says where the log went)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssmgui.app.log_file import LogFile, start_log_file

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def log_a_line(text: str) -> None:
    logging.getLogger("ssmgui.test").warning(text)
    for handler in logging.getLogger().handlers:
        handler.flush()


@pytest.mark.usefixtures("restore_root_logger")
def test_the_log_and_its_folder_are_the_owners_alone(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    folder.mkdir()
    folder.chmod(0o755)
    (folder / "ssmgui.log").write_text("from an older version\n")
    (folder / "ssmgui.log").chmod(0o644)
    chosen = start_log_file(folder / "ssmgui.log")
    log_a_line("instance i-0123456789abcdef0")
    assert chosen == LogFile(folder / "ssmgui.log")
    assert mode(folder) == 0o700 and mode(chosen.path) == 0o600
    assert "i-0123456789abcdef0" in chosen.path.read_text()


@pytest.mark.usefixtures("restore_root_logger")
def test_a_rolled_over_log_stays_private(tmp_path: Path) -> None:
    chosen = start_log_file(tmp_path / "log" / "ssmgui.log")
    handler = logging.getLogger().handlers[-1]
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    os.umask(old := os.umask(0o022))  # rollovers open files with the process's umask
    try:
        handler.doRollover()
    finally:
        os.umask(old)
    log_a_line("after the rollover")
    assert mode(chosen.path) == 0o600
    assert mode(chosen.path.with_name("ssmgui.log.1")) == 0o600


@pytest.mark.usefixtures("restore_root_logger")
def test_an_unwritable_log_folder_moves_the_log_and_says_so(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the log folder should be")
    chosen = start_log_file(blocked / "log" / "ssmgui.log")
    log_a_line("still logging")
    assert chosen.path.parent != blocked / "log"
    assert mode(chosen.path.parent) == 0o700
    assert "still logging" in chosen.path.read_text()
    assert str(blocked / "log") in chosen.notice and str(chosen.path) in chosen.notice
