"""`ssmgui shell` in a real pseudo-terminal, against `python -m ssmgui.demo` in a process
of its own: what a person at a terminal sees and types.

The command runs under `sh -c 'stty -g; ssmgui shell …; echo rc=$?; stty -g'` in the
pty, so the terminal's settings before and after and the exit status are printed by the
same terminal, after ssmgui has let go of it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

WRAPPER = 'stty -g; "$@"; echo "rc=$?"; stty -g'
_RESULT = re.compile(rb"rc=(\d+)\r?\n([^\r\n]+)\r?\n")
_SETTINGS = re.compile(rb"[0-9a-f]+(?::[0-9a-f]+){10,}")  # what `stty -g` prints


def demo_env(info: Mapping[str, Any]) -> dict[str, str]:
    """The demo process's keys, and its API as KMS's endpoint (its KMS-encrypted shells
    need one); nothing of the person's AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=info["access_key_id"],
        AWS_SECRET_ACCESS_KEY=info["secret_access_key"],
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        SSMGUI_BROKER="off",
        LANG="C.UTF-8",
        AWS_ENDPOINT_URL_KMS=info["api_url"],
    )
    return env


def shell_argv(info: Mapping[str, Any], instance: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ssmgui",
        "shell",
        instance,
        "--region",
        info["region"],
        "--endpoint-url",
        info["api_url"],
        "--allow-stream-host",
        info["stream_host"],
        *extra,
    ]


def set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class PtySession:
    """One `ssmgui shell` in a pty of `cols` × `rows`; `output` is every byte it showed."""

    def __init__(self, argv: list[str], env: dict[str, str], cols: int, rows: int) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the pty is its terminal
            with contextlib.suppress(BaseException):
                set_size(0, cols, rows)
                os.execve("/bin/sh", ["sh", "-c", WRAPPER, "sh", *argv], env)
            os._exit(127)
        self.output = bytearray()
        self._seen = 0
        self.status: int | None = None

    def _read(self, timeout: float) -> bool:
        """Read what is there within `timeout`; False at the end of the output."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: every process has closed the pty
            return False
        self.output.extend(data)
        return bool(data)

    def expect(self, pattern: bytes, timeout: float = 20.0) -> re.Match[bytes]:
        """The first match of `pattern` after the previous one; fails on a time-out."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.output, self._seen)
            if match:
                self._seen = match.end()
                return match
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(min(left, 0.2)):
                tail = bytes(self.output[-600:])
                raise AssertionError(f"no {pattern!r} within {timeout} s; last output {tail!r}")

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def resize(self, cols: int, rows: int) -> None:
        """As a terminal window resized: the kernel sends SIGWINCH to the foreground job."""
        set_size(self.fd, cols, rows)

    def signal(self, number: signal.Signals) -> None:
        """Send `number` to ssmgui (not to its wrapper, which reports what follows)."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        (ssmgui,) = children
        os.kill(int(ssmgui), number)

    def finish(self, timeout: float = 20.0) -> tuple[int, bytes, bytes]:
        """(ssmgui's exit status, the terminal's settings before, after)."""
        result = self.expect(_RESULT.pattern, timeout)
        before = _SETTINGS.search(self.output)
        assert before is not None
        return int(result.group(1)), before.group(0), result.group(2)

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        os.close(self.fd)


@contextlib.contextmanager
def pty_shell(
    info: Mapping[str, Any], instance: str, *extra: str, cols: int = 100, rows: int = 30
) -> Iterator[PtySession]:
    session = PtySession(shell_argv(info, instance, *extra), demo_env(info), cols, rows)
    try:
        yield session
    finally:
        session.close()
