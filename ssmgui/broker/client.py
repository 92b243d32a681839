"""The proxy's side: hand stdin and stdout to the warm helper, wait for the exit status.

`through_broker(args)` returns the command's exit status when the helper ran it, or None
when this process must run it itself: no helper yet (one is started for the next proxy),
the helper switched off or unusable here, or the helper asking for it (a sign-in needs this
terminal). Nothing has read stdin when None is returned.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from ssmgui.broker import wire

CONNECT_TIMEOUT_S = 1.0
#: From handing over stdin/stdout to the helper's "accepted" (credentials ready). Past it the
#: proxy gives up, and closing the socket tells the helper to give up too.
ACCEPT_TIMEOUT_S = 60.0
EXIT_HELPER_LOST = 255  # what ssh's ProxyCommand convention expects for a failed proxy
EXIT_INTERRUPTED = 130


class _StoppedError(Exception):
    """SIGHUP/SIGTERM: ssh is done with its ProxyCommand."""


def through_broker(args: Sequence[str]) -> int | None:
    if not wire.enabled(os.environ) or sys.stdin.isatty():
        return None  # a terminal on stdin: the command itself says how ssh-proxy is used
    path = wire.socket_path(os.environ)
    if path is None:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT_S)
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        start_helper(path)
        return None
    except OSError:
        sock.close()
        return None
    with sock:
        return _run(sock, args)


def _run(sock: socket.socket, args: Sequence[str]) -> int | None:
    lines = wire.Lines()
    wire.send(sock, {"argv": list(args)}, [sys.stdin.fileno(), sys.stdout.fileno()])
    first = _accepted(sock, lines)
    if first is None or "fallback" in first:
        return None
    if "rc" in first:
        return _ended(first)
    sock.settimeout(None)  # the session lasts as long as ssh wants; the helper bounds it
    try:
        with _stopped_by_signals():
            last = _next(sock, lines)
    except _StoppedError:
        return 0  # closing the socket (on return) ends the session in the helper
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    if last is None:
        _say("ssmgui: the background helper ended during the session.")
        return EXIT_HELPER_LOST
    return _ended(last)


def _accepted(sock: socket.socket, lines: wire.Lines) -> dict[str, Any] | None:
    """The helper's first answer; an "rc" of its own when it did not answer in time."""
    sock.settimeout(ACCEPT_TIMEOUT_S)
    try:
        return _next(sock, lines)
    except TimeoutError:
        return {
            "rc": EXIT_HELPER_LOST,
            "message": "the background helper did not answer; set SSMGUI_BROKER=off to skip it.",
        }


def _next(sock: socket.socket, lines: wire.Lines) -> dict[str, Any] | None:
    """The helper's next message; None when it closed the connection."""
    while (message := lines.take()) is None:
        data = sock.recv(wire.MAX_MESSAGE_BYTES)
        if not data:
            return None
        lines.feed(data)
    return message


def _ended(message: dict[str, Any]) -> int:
    if message.get("message"):
        _say(f"ssmgui: {message['message']}")
    return int(message.get("rc", 1))


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGHUP (ssh exiting) and SIGTERM end the wait, as they end the in-process proxy."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise _StoppedError

    previous = {number: signal.signal(number, stop) for number in (signal.SIGHUP, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def helper_command() -> list[str]:
    """How to start `ssmgui broker` with this very installation (the frozen app or not)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "broker"]
    return [sys.executable, "-m", "ssmgui", "broker"]


def start_helper(path: Path) -> None:
    """Start a helper for the next proxy, detached, in this environment. A socket file with
    nobody behind it (a helper that crashed) is removed first."""
    import subprocess  # noqa: PLC0415 - only on the cold path

    with contextlib.suppress(OSError):
        path.unlink()
    with contextlib.suppress(OSError):
        subprocess.Popen(  # noqa: S603 - this installation's own executable
            helper_command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
