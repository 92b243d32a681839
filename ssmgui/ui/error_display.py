"""The one door through which errors reach a person.

Expected failures (`SsmGuiError`) show their message, which already says what to do.
Anything else is a bug: it is logged with its traceback to the log file, and the person is
told that something went wrong, where the details are, and that the app keeps running.
Dialogs are opened non-modally (`open()`), never with `exec()`: a nested event loop would
break qasync (docs/architecture.md, qasync trap 2).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ssmgui.core.errors import SsmGuiError

log = logging.getLogger(__name__)


class ErrorDoor:
    def __init__(self, parent: Callable[[], QWidget | None], log_path: Path) -> None:
        self._parent = parent
        self._log_path = log_path
        self.shown: list[str] = []  # what people were told, newest last (tests, diagnostics)
        # Open messages, kept until closed: a message box without a parent window that
        # nobody refers to is deleted at once, and the person never sees it.
        self._open_boxes: set[QMessageBox] = set()

    def show_expected(self, error: SsmGuiError, then: Callable[[], object] = lambda: None) -> None:
        """Tell the person; `then` runs when they close the message."""
        log.info("told the user: %s", error.user_message)
        self._open(QMessageBox.Icon.Warning, "ssmgui", error.user_message, then=then)

    def show_unexpected(self, error: BaseException) -> None:
        details = "".join(traceback.format_exception(error))
        log.error("unexpected error\n%s", details)
        self._open(
            QMessageBox.Icon.Critical,
            "ssmgui hit a bug",
            f"Something went wrong inside ssmgui ({type(error).__name__}). Your tunnels keep "
            f"running. The details are in {self._log_path}; please include them in a bug "
            "report.",
            details,
        )

    def _open(
        self,
        icon: QMessageBox.Icon,
        title: str,
        text: str,
        details: str = "",
        then: Callable[[], object] = lambda: None,
    ) -> None:
        self.shown.append(text)
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._parent())
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._open_boxes.add(box)
        box.finished.connect(lambda _result: self._closed(box, then))
        box.open()

    def _closed(self, box: QMessageBox, then: Callable[[], object]) -> None:
        self._open_boxes.discard(box)
        then()

    def excepthook(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if isinstance(error, SsmGuiError):
            self.show_expected(error)
        elif isinstance(error, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
        else:
            self.show_unexpected(error)

    def loop_exception_handler(self, _loop: Any, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if isinstance(error, SsmGuiError):
            self.show_expected(error)
        elif isinstance(error, BaseException):
            self.show_unexpected(error)
        else:
            log.error("event loop: %s", context.get("message"))

    def install(self, loop: Any) -> None:
        sys.excepthook = self.excepthook
        loop.set_exception_handler(self.loop_exception_handler)
