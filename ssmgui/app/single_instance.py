"""One running app per user (and one demo): a second launch brings the first one's window
forward and exits, instead of adding a second tray icon.

The first launch holds a lock file and listens on a local socket, both in a private
per-user folder (`runtime_folder`); a later launch that cannot take the lock connects to
that socket, says "show", and exits. A crashed run leaves both behind: Qt's lock file
knows its owner's process id and treats the lock of a dead process as stale, and the
leftover socket is removed before listening again.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from ssmgui.services.private_paths import private_directory

log = logging.getLogger(__name__)

SHOW = b"show\n"
#: How long a second launch tries to reach the first one, which may still be starting.
REACH_SECONDS = 5.0
_WAIT_MS = 500


def runtime_folder(env: dict[str, str] | None = None) -> Path:
    """A folder only this user can enter: $XDG_RUNTIME_DIR/ssmgui on Linux desktops, else a
    per-user folder in the temporary directory (macOS's is per user already)."""
    env = dict(os.environ) if env is None else env
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "ssmgui"
    return Path(tempfile.gettempdir()) / f"ssmgui-{_user_tag()}"


def _user_tag() -> str:
    if hasattr(os, "getuid"):
        return str(os.getuid())
    # Windows: no uid; the user's name, hashed, keeps the pipe name plain ASCII.
    return hashlib.sha256(getpass.getuser().encode()).hexdigest()[:12]


def instance_name(*, demo: bool, home: Path | None = None) -> str:
    """The demo and the app on the user's AWS may run side by side: two names. Each home
    folder (its settings, its AWS files) has its own: one person has one, and tests or
    scripts that run the app on a private HOME never meet the person's app or each other."""
    where = str((home or Path.home()).resolve())
    tag = hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{'ssmgui-demo' if demo else 'ssmgui'}-{tag}"


class SingleInstance(QObject):
    """The claim of the first launch. `claim()` returns it, or None when another launch
    holds the name (that one was asked to show its window). `on_show(callback)` runs
    `callback` on the GUI thread each time a later launch asks; `release()` on quit."""

    def __init__(self, lock: QLockFile, server: QLocalServer) -> None:
        super().__init__()
        self._lock = lock
        self._server = server
        self._callbacks: list[Callable[[], None]] = []
        self._readers: set[QLocalSocket] = set()
        server.newConnection.connect(self._accept)

    @classmethod
    def claim(cls, name: str, folder: Path | None = None) -> SingleInstance | None:
        """Take `name` for this process, or ask its holder to show itself and return None.

        Raises OSError when the private folder cannot be made (the caller runs on without
        the guard rather than refusing to start)."""
        where = private_directory(folder or runtime_folder())
        lock = QLockFile(str(where / f"{name}.lock"))
        deadline = time.monotonic() + REACH_SECONDS
        while not lock.tryLock(0):
            if _ask_to_show(_socket_name(where, name)):
                return None
            if time.monotonic() > deadline:
                log.warning("another ssmgui holds %s but does not answer; starting anyway", name)
                return cls(lock, _listen(_socket_name(where, name) + f"-{os.getpid()}"))
            time.sleep(0.1)  # the holder is starting: it listens right after taking the lock
        return cls(lock, _listen(_socket_name(where, name)))

    def on_show(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def release(self) -> None:
        self._server.close()
        self._lock.unlock()

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            self._readers.add(socket)
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._drop(s))
            self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).startswith(SHOW.strip()):
            log.info("a second launch asked for the window")
            for callback in self._callbacks:
                callback()

    def _drop(self, socket: QLocalSocket) -> None:
        self._readers.discard(socket)
        socket.deleteLater()


def _socket_name(folder: Path, name: str) -> str:
    # Windows has named pipes, not socket files: a per-user pipe name.
    return f"{name}-{_user_tag()}" if sys.platform == "win32" else str(folder / f"{name}.socket")


def _listen(socket_name: str) -> QLocalServer:
    server = QLocalServer()
    server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
    QLocalServer.removeServer(socket_name)  # a crashed run's socket file
    if not server.listen(socket_name):
        log.warning("cannot listen on %s: %s", socket_name, server.errorString())
    return server


def _ask_to_show(socket_name: str) -> bool:
    """True when a running ssmgui took the request."""
    socket = QLocalSocket()
    socket.connectToServer(socket_name)
    if not socket.waitForConnected(_WAIT_MS):
        return False
    socket.write(SHOW)
    sent = socket.waitForBytesWritten(_WAIT_MS)
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(_WAIT_MS)
    return sent
