"""Quit asked of Qt (macOS's Quit menu item and Dock menu, ⌘Q, `QApplication.quit()`)
quits as the tray's Quit does: tunnels stopped, sessions terminated, then the process ends.

Qt delivers those requests as a `QEvent.Quit` sent to the application, and handling it ends
Qt's event loop at once. Under qasync that loop is the asyncio loop, so `main()` would be cut
off mid-await: "Event loop stopped before Future completed", no TerminateSession, and
session-manager-plugin children left forwarding ports until the next start reaped them.
This filter takes the event instead and calls `quit` (which sets `main()`'s `quitting`);
`main()` then shuts down and returns, and the process exits through it — which is also how
Qt's macOS termination handler expects a running app to end ("returning to runloop for exit
through main()").

Not covered: Windows ends a process as soon as Qt has handled WM_ENDSESSION (logoff), with
no time for asynchronous work; the plugin children end with the session, and the record of
them (services/tunnels/engines/plugin/reaper.py) is settled at the next start.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication


class QuitEventsToShutdown(QObject):
    """While installed, every `QEvent.Quit` sent to `app` calls `quit` instead of ending
    Qt's loop. Create it on the GUI thread; `close()` when the app has shut down."""

    def __init__(self, app: QApplication, quit_app: Callable[[], None]) -> None:
        super().__init__()
        self._app = app
        self._quit = quit_app
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._app and event.type() == QEvent.Type.Quit:
            self._quit()
            return True  # handled: Qt's loop keeps running until main() returns
        return False

    def close(self) -> None:
        """Let Quit events end Qt's loop again."""
        self._app.removeEventFilter(self)
