"""The GUI's side of an IAM Identity Center sign-in: a small dialog saying what to do —
the address the browser opens (to open by hand if it did not), or the device code and the
page to confirm it on — with Cancel, for as long as the sign-in waits for the person.
While a browser sign-in waits, "Use a code instead" (no browser here, a remote desktop)
ends it and starts the device-code sign-in, whose code and page the dialog then shows.

`SsoSignInWindow.ui()` is the `SignInUi` the sign-in (on a worker thread) talks to: its
`tell`, `cancelled` and `done` are safe from any thread; the dialog itself lives on the
GUI thread (reached through the GUI's event loop).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ssmgui.services.identity.sso_login import SignInUi

TITLE = "Sign in to IAM Identity Center"
USE_CODE = "Use a code instead"


class SsoSignInDialog(QDialog):
    """Shows `text` (an address or a code to copy: selectable, and wrapped anywhere, as an
    address has no spaces to wrap at); Cancel calls `cancel`; with `use_code`, a "Use a
    code instead" button calls it."""

    def __init__(
        self,
        text: str,
        cancel: Callable[[], None],
        parent: QWidget | None,
        use_code: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.rejected.connect(self._cancel)
        self._on_cancel = cancel
        self.use_code: QPushButton | None = None
        if use_code is not None:
            self.use_code = self.buttons.addButton(USE_CODE, QDialogButtonBox.ButtonRole.ActionRole)
            self.use_code.clicked.connect(lambda: self._switch(use_code))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.buttons)
        self.resize(560, 200)

    def _cancel(self) -> None:
        self._on_cancel()
        self.text.setPlainText("Cancelling the sign-in…")
        self.buttons.setEnabled(False)

    def _switch(self, use_code: Callable[[], None]) -> None:
        use_code()
        self.text.setPlainText("Asking IAM Identity Center for a code…")
        self.buttons.setEnabled(False)


class SsoSignInWindow:
    """One dialog at a time (sign-ins are one per session, and rarely two at once)."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, parent: Callable[[], QWidget | None]
    ) -> None:
        self._loop = loop
        self._parent = parent
        self._cancelled = threading.Event()
        self._code_offered = threading.Event()  # the sign-in about to tell is a browser one
        self._code_chosen = threading.Event()
        self.dialog: SsoSignInDialog | None = None

    def ui(self, open_browser: Callable[[str], object] | None = None) -> SignInUi:
        """The SignInUi for `SsoSignIn` (`open_browser`: default, the person's browser)."""
        ui = SignInUi(
            tell=self.tell,
            cancelled=self._cancelled.is_set,
            done=self.done,
            offers_code=self._code_offered.set,
            use_code=self._code_chosen.is_set,
        )
        if open_browser is not None:
            ui.open_browser = open_browser
        return ui

    def tell(self, text: str) -> None:
        """A sign-in starts waiting for the person: show what to do (any thread)."""
        self._cancelled.clear()
        self._code_chosen.clear()
        offer = self._code_offered.is_set()
        self._code_offered.clear()
        self._loop.call_soon_threadsafe(self._show, text, offer)

    def done(self) -> None:
        """The sign-in ended (any thread): the dialog goes."""
        self._loop.call_soon_threadsafe(self._close)

    def _show(self, text: str, offer_code: bool) -> None:
        self._close()
        use_code = self._choose_code if offer_code else None
        self.dialog = SsoSignInDialog(text, self._cancelled.set, self._parent(), use_code)
        self.dialog.show()

    def _choose_code(self) -> None:
        """The browser sign-in ends (as by Cancel) and the device code's follows."""
        self._code_chosen.set()
        self._cancelled.set()

    def _close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
