"""What a path names is checked before it is read: no hang on a FIFO, no endless read of a
device, a clear error for a folder, a link loop or a huge file; /dev/null is "no file"."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ssmgui.core.errors import AwsFileError
from ssmgui.services.aws.shared_files import check_regular_file, read_regular_file

ADVICE = "Point AWS_CONFIG_FILE elsewhere."


def fifo(path: Path) -> None:
    os.mkfifo(path)


def folder(path: Path) -> None:
    path.mkdir()


def zeros(path: Path) -> None:
    path.symlink_to("/dev/zero")


def loop(path: Path) -> None:
    path.symlink_to(path)


def under_a_file(path: Path) -> Path:
    path.write_text("x", encoding="utf-8")
    return path / "config"


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (fifo, "is a named pipe (FIFO), not a file"),
        (folder, "is a directory, not a file"),
        (zeros, "is a character device, not a file"),
        (loop, "a symbolic link that loops back on itself"),
    ],
)
def test_what_is_not_a_file_is_refused_at_once(
    tmp_path: Path, make: Callable[[Path], None], says: str
) -> None:
    path = tmp_path / "config"
    make(path)
    began = time.monotonic()
    for read in (read_regular_file, check_regular_file):
        with pytest.raises(AwsFileError) as caught:
            read(path, ADVICE)
        assert str(path) in caught.value.user_message
        assert says in caught.value.user_message
        assert caught.value.user_message.endswith(ADVICE)
    assert time.monotonic() - began < 1


def test_a_path_under_a_file_names_the_problem(tmp_path: Path) -> None:
    with pytest.raises(AwsFileError, match="a part of the path is a file"):
        read_regular_file(under_a_file(tmp_path / "aws"), ADVICE)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[default]\n", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(AwsFileError, match="permission denied"):
        read_regular_file(path, ADVICE)


def test_a_file_over_the_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "config"
    with path.open("wb") as sparse:
        sparse.truncate(64 * 1024 * 1024)  # 64 MiB of nothing, allocated lazily
    with pytest.raises(AwsFileError, match=r"is 64\.0 MiB, larger than any AWS file"):
        read_regular_file(path, ADVICE, limit=1024 * 1024)


def test_missing_files_dangling_links_and_the_null_device_are_no_file(tmp_path: Path) -> None:
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    for path in (tmp_path / "missing", dangling, Path(os.devnull)):
        assert read_regular_file(path, ADVICE) is None
        assert check_regular_file(path, ADVICE) is False


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(b"[default]\nregion = eu-west-1\n" * 1000)
    assert read_regular_file(path, ADVICE) == path.read_bytes()
    assert check_regular_file(path, ADVICE) is True
