"""SIGINT (Ctrl+C in the terminal ssmgui was started from) and SIGTERM (logout, `kill`, a
service manager) quit as the menu's Quit does: tunnels stopped, sessions terminated.

Python runs a signal handler only between bytecodes, and the GUI thread waits in Qt's C++
loop, so a handler alone might run at the next click, or never. With `set_wakeup_fd` the
C-level handler also writes the signal's number to a socket; a QSocketNotifier on the other
end of the pair wakes Qt's loop, and `quit` runs there.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from types import FrameType

from PySide6.QtCore import QSocketNotifier

QUIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _wake_only(_number: int, _frame: FrameType | None) -> None:
    """The Python-level handler does nothing: the wake-up socket does the work."""


class QuitOnSignals:
    """While open, QUIT_SIGNALS call `quit` on the GUI thread. Open it on the main thread."""

    def __init__(self, quit_app: Callable[[], None]) -> None:
        self._quit = quit_app
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {number: signal.signal(number, _wake_only) for number in QUIT_SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._woken)

    def _woken(self) -> None:
        try:
            received = self._reader.recv(64)
        except BlockingIOError:
            return
        if any(number in QUIT_SIGNALS for number in received):
            self._quit()

    def close(self) -> None:
        """Back to the handlers from before."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._reader.close()
        self._writer.close()
