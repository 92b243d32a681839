"""The MFA prompt as the identity service calls it: a blocking callable on a worker thread,
answered by a dialog on the GUI thread.

botocore and our identity service ask for the code from whatever thread makes the AWS call;
that thread waits on the GUI loop with `run_coroutine_threadsafe` (docs/architecture.md,
"Threads and event loops"). The dialog is opened with `open()` and awaited through its
`finished` signal — never `exec()`, whose nested event loop breaks qasync.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QWidget

from ssmgui.core.credentials import MfaRequest
from ssmgui.ui.mfa_dialog import MfaDialog

ParentFor = Callable[[], QWidget | None]


class GuiMfaPrompt:
    def __init__(self, loop: asyncio.AbstractEventLoop, parent: ParentFor) -> None:
        self._loop = loop
        self._parent = parent
        self._one_at_a_time = threading.Lock()  # two expiring profiles: one dialog at a time
        self.asked: list[MfaRequest] = []
        self._open: set[MfaDialog] = set()
        self._closed = False

    def __call__(self, request: MfaRequest) -> str | None:
        if threading.current_thread() is threading.main_thread():
            raise RuntimeError("the MFA prompt must be called from a worker thread")
        with self._one_at_a_time:
            if self._closed:
                return None  # quitting: as if cancelled
            future = asyncio.run_coroutine_threadsafe(self.ask(request), self._loop)
            return future.result()

    def close(self) -> None:
        """Quitting: an open dialog is cancelled (its worker thread gets None and ends its
        call), and later requests are cancelled at once instead of showing a dialog."""
        self._closed = True
        for dialog in list(self._open):
            dialog.reject()

    async def ask(self, request: MfaRequest) -> str | None:
        """Show the dialog and wait for it: the code, or None if the person cancelled."""
        if self._closed:
            return None
        self.asked.append(request)
        dialog = MfaDialog(request, self._parent())
        answered: asyncio.Future[str | None] = self._loop.create_future()

        def finished(result: int) -> None:
            if not answered.done():
                accepted = result == QDialog.DialogCode.Accepted.value
                answered.set_result(dialog.code() if accepted else None)

        dialog.finished.connect(finished)
        self._open.add(dialog)
        dialog.open()
        dialog.raise_()
        dialog.activateWindow()
        try:
            return await answered
        finally:
            self._open.discard(dialog)
            dialog.deleteLater()
