"""AWS's shared files (config, credentials, SSO tokens), opened only when they are files.

Whatever a path names is checked before anything reads it: a FIFO would block a reader
forever, a device such as /dev/zero never ends, and a directory, a symbolic-link loop or an
unreadable file cannot be parsed. Each of those, and a file larger than any real AWS file,
is an `AwsFileError` naming the path and what to do, raised at once. A path that does not
exist (or a dangling link) is "no file", as botocore treats it; so is the null device
(`AWS_CONFIG_FILE=/dev/null` is the usual way to say "no config").
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ssmgui.core.errors import AwsFileError

#: Far beyond a real config or credentials file (10,000 profiles take about 1 MiB), and small
#: enough that reading and parsing one stays within seconds.
MAX_AWS_FILE_BYTES = 8 * 1024 * 1024

_MIB = 1024 * 1024
#: Opened without waiting for a writer: a FIFO is then noticed by its type, not by a hang.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def read_regular_file(path: Path, advice: str, limit: int = MAX_AWS_FILE_BYTES) -> bytes | None:
    """The bytes of `path`, or None when it does not exist.

    Raises `AwsFileError` naming `path`, followed by `advice` (what the person can do), when
    it is not a regular file, cannot be read, or holds more than `limit` bytes.
    """
    descriptor = _open(path, advice)
    if descriptor is None:
        return None
    try:
        if _is_null_device(descriptor):
            return None
        _check_opened(path, descriptor, limit, advice)
        return _read_at_most(path, descriptor, limit, advice)
    finally:
        os.close(descriptor)


def check_regular_file(path: Path, advice: str, limit: int = MAX_AWS_FILE_BYTES) -> bool:
    """True when `path` is a regular file of at most `limit` bytes that can be opened for
    reading; False when it does not exist. Raises `AwsFileError` as `read_regular_file`."""
    descriptor = _open(path, advice)
    if descriptor is None:
        return False
    try:
        if _is_null_device(descriptor):
            return False
        _check_opened(path, descriptor, limit, advice)
    finally:
        os.close(descriptor)
    return True


def _open(path: Path, advice: str) -> int | None:
    try:
        return os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AwsFileError(f"{path} cannot be opened: {_why(exc)}. {advice}") from None


def _is_null_device(descriptor: int) -> bool:
    found = os.fstat(descriptor)
    if not stat.S_ISCHR(found.st_mode):
        return False
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(null.st_mode) and found.st_rdev == null.st_rdev


def _check_opened(path: Path, descriptor: int, limit: int, advice: str) -> None:
    found = os.fstat(descriptor)
    kind = _kind_of(found.st_mode)
    if kind is not None:
        raise AwsFileError(f"{path} is {kind}, not a file. {advice}")
    if found.st_size > limit:
        raise AwsFileError(
            f"{path} is {found.st_size / _MIB:.1f} MiB, larger than any AWS file should be "
            f"(at most {limit / _MIB:.0f} MiB are read). {advice}"
        )


def _read_at_most(path: Path, descriptor: int, limit: int, advice: str) -> bytes:
    """The file's bytes; a file that grew past `limit` while being read is refused too."""
    chunks: list[bytes] = []
    size = 0
    while chunk := os.read(descriptor, 1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise AwsFileError(f"{path} grew past {limit / _MIB:.0f} MiB while read. {advice}")
        chunks.append(chunk)
    return b"".join(chunks)


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((words for test, words in kinds if test(mode)), "not a regular file")


def _why(exc: OSError) -> str:
    """An OS error in words; never its text, which repeats the path."""
    reasons = {
        errno.EACCES: "permission denied (check who owns it and its mode)",
        errno.EPERM: "permission denied (check who owns it and its mode)",
        errno.ELOOP: "it is a symbolic link that loops back on itself",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "it is a directory",
        errno.ENAMETOOLONG: "the path is too long",
    }
    return reasons.get(exc.errno or 0, f"{type(exc).__name__} (errno {exc.errno})")
