"""Live tunnel figures while someone looks at them, and no timer work while nobody does.

Bytes, rates, connections and uptime change without any state change, so the views ask for
them: about once a second while the Tunnels tab is on the screen or the tray menu is open.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

POLL_INTERVAL_MS = 1000


class TunnelTicker(QObject):
    """Calls `poll` at once when a first watcher appears, then every `interval_ms` until the
    last one goes. Watchers are named ("tab", "tray menu") and said shown or hidden."""

    def __init__(
        self,
        poll: Callable[[], None],
        interval_ms: int = POLL_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._poll = poll
        self._watchers: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(poll)

    def is_running(self) -> bool:
        """Whether it polls now (a method, not a property: callers check it again after
        acting, which type checkers would call unreachable for a narrowed property)."""
        return self._timer.isActive()

    def watching(self, watcher: str, shown: bool) -> None:
        if shown:
            first = not self._watchers
            self._watchers.add(watcher)
            if first:
                self._poll()  # fresh figures the moment they appear, not a second later
                self._timer.start()
            return
        self._watchers.discard(watcher)
        if not self._watchers:
            self._timer.stop()
