"""ShellServer: the agent's shell plugin, as the demo plays it (docs/protocol.md §14).

A REAL shell on THIS computer, in a real pseudo-terminal: `bash --norc --noprofile -i`
(else `/bin/sh -i`), or `sh -c COMMAND` for AWS-StartInteractiveCommand, started in a
temporary folder that is also its HOME and is removed when the session ends. It is reached
only through the fake's data channel, which listens on 127.0.0.1 and admits a WebSocket
only with the session's single-use token; its first line of output says what it is.

PT1 input is written to the pty as it comes; PT3 Size sets the pty's window size (the
kernel tells the shell with SIGWINCH); the pty's output goes back as PT1. When the shell
exits, `on_exit` gets its status (128 + n for a signal), as the agent's exit code.

The output goes to any `OutputSink` (the data channel's `OutputPump` here; the demo's SSH
server's channel in `demo/desktop/ssh_server.py`, which serves this same shell).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import termios
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

READ_SIZE = 4096
EXIT_WAIT_S = 5.0
DEFAULT_SIZE = (80, 24)
BANNER = (
    "ssmgui demo: this is a real shell on THIS computer (not an AWS instance), running as "
    "you in the temporary folder {folder}, removed when the session ends.\r\n"
)


class OutputSink(Protocol):
    """Where the shell's output goes, in order (`OutputPump.write`, an SSH channel's)."""

    def write(self, data: bytes) -> None: ...


def _shell_argv(command: str) -> list[str]:
    if command:
        return ["/bin/sh", "-c", command]
    bash = shutil.which("bash")
    if bash:
        return [bash, "--norc", "--noprofile", "-i"]
    return ["/bin/sh", "-i"]


def _take_terminal() -> None:
    """In the child, after setsid: make the pty (stdin) its controlling terminal, so
    Ctrl-C written to the pty interrupts the foreground job as on an instance."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def set_window_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class ShellServer:
    """One shell in a pty for one session. `close` kills it and removes its folder."""

    def __init__(
        self,
        pump: OutputSink,
        command: str,
        on_exit: Callable[[int], None],
        session_id: str,
    ) -> None:
        self._pump = pump
        self._on_exit = on_exit
        self._loop = asyncio.get_running_loop()
        self.folder = tempfile.mkdtemp(prefix="ssmgui-demo-shell-")
        self._master, follower = os.openpty()
        set_window_size(self._master, *DEFAULT_SIZE)
        try:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed shell, by design
                _shell_argv(command),
                stdin=follower,
                stdout=follower,
                stderr=follower,
                cwd=self.folder,
                env=self._environment(session_id),
                start_new_session=True,
                preexec_fn=_take_terminal,  # noqa: PLW1509 - only ioctl, after fork
            )
        finally:
            os.close(follower)
        os.set_blocking(self._master, False)
        self._unwritten = bytearray()
        self._paused = False
        self._ended = False
        self.sizes: list[tuple[int, int]] = []
        pump.write(BANNER.format(folder=self.folder).encode())
        self._loop.add_reader(self._master, self._readable)

    def _environment(self, session_id: str) -> dict[str, str]:
        return {
            "HOME": self.folder,
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TERM": "xterm-256color",  # what the agent sets (its shell_unix.go)
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PS1": "demo$ ",
            "SSM_SESSION_ID": session_id,
        }

    # --- input ----------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """PT1 from the client: keystrokes to the pty, in order."""
        if self._ended:
            return
        self._unwritten.extend(data)
        self._write_some()

    def _write_some(self) -> None:
        try:
            written = os.write(self._master, self._unwritten)
        except BlockingIOError:
            written = 0
        except OSError:  # the shell is gone
            self._unwritten.clear()
            written = 0
        del self._unwritten[:written]
        if self._unwritten:
            self._loop.add_writer(self._master, self._writable)

    def _writable(self) -> None:
        self._loop.remove_writer(self._master)
        self._write_some()

    def resize(self, payload: bytes) -> None:
        """PT3: {"cols": n, "rows": n}; anything else is ignored, as the agent logs it."""
        try:
            size = json.loads(payload)
            cols, rows = int(size["cols"]), int(size["rows"])
        except (ValueError, TypeError, KeyError):
            log.debug("ignored a bad size message %r", payload[:80])
            return
        self.set_size(cols, rows)

    def set_size(self, cols: int, rows: int) -> None:
        """The pty's window size, as the client's terminal has it (sizes <= 0 ignored)."""
        if cols > 0 and rows > 0 and not self._ended:
            self.sizes.append((cols, rows))
            with contextlib.suppress(OSError):
                set_window_size(self._master, cols, rows)

    def disconnect(self) -> None:
        """Flag 1 means nothing to a shell."""

    # --- output ---------------------------------------------------------------------------

    def _readable(self) -> None:
        try:
            data = os.read(self._master, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:  # EIO: every process holding the pty has closed it
            data = b""
        if data:
            self._pump.write(data)
            return
        self._loop.remove_reader(self._master)
        self._ended = True
        self._loop.create_task(self._report_exit())

    async def _report_exit(self) -> None:
        try:
            status = await asyncio.wait_for(asyncio.to_thread(self.process.wait), EXIT_WAIT_S)
        except TimeoutError:
            status = -signal.SIGKILL
            self._kill()
        self._on_exit(128 - status if status < 0 else status)

    def set_paused(self, paused: bool) -> None:
        if paused == self._paused or self._ended:
            return
        self._paused = paused
        if paused:
            self._loop.remove_reader(self._master)
        else:
            self._loop.add_reader(self._master, self._readable)

    def tick(self, now: float) -> None:
        """No timers in a shell."""

    # --- the end --------------------------------------------------------------------------

    def _kill(self) -> None:
        for sig in (signal.SIGHUP, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)

    async def close(self) -> None:
        """Kill the shell's process group, close the pty, remove the folder."""
        self._ended = True
        self._loop.remove_reader(self._master)
        self._loop.remove_writer(self._master)
        if self.process.poll() is None:
            self._kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.to_thread(self.process.wait), EXIT_WAIT_S)
        with contextlib.suppress(OSError):
            os.close(self._master)
        shutil.rmtree(self.folder, ignore_errors=True)
