"""The MFA prompt: which profile and device the code is for, a paste-friendly 6-digit field,
and, on a retry, what went wrong the last time.

Works with `open()` + `accepted`/`rejected` (no nested event loop under qasync) and with
`exec()` wrapped by `qasync.asyncWrap`. Read the result with `code()`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ssmgui.core.credentials import MfaRequest
from ssmgui.ui.icons import app_icon

CODE_LENGTH = 6
_ASCII_DIGITS = frozenset("0123456789")  # like the core: other scripts' digits are refused
ERROR_STYLE = (
    "QLabel { color: #8e1b1b; background: #fdecea; border: 1px solid #f5c2c0;"
    " border-radius: 4px; padding: 6px; }"
)


def clean_code(text: str) -> str:
    """What a person typed or pasted → at most 6 ASCII digits ('123 456', '123-456' ok)."""
    return "".join(ch for ch in text if ch in _ASCII_DIGITS)[:CODE_LENGTH]


class MfaDialog(QDialog):
    """Asks for the 6-digit code for `request`. OK is enabled only with 6 digits."""

    def __init__(self, request: MfaRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.setWindowTitle(f"MFA code for {request.profile_name}")
        self.setWindowIcon(app_icon())
        intro = QLabel("Enter the 6-digit code your authenticator app shows now.", self)
        intro.setWordWrap(True)
        facts = QFormLayout()
        facts.addRow("Profile:", self._selectable(request.profile_name))
        if request.source_profile and request.source_profile != request.profile_name:
            facts.addRow("Signs in through:", self._selectable(request.source_profile))
        facts.addRow("MFA device:", self._selectable(request.serial_number))
        self.attempt_label = QLabel(f"Attempt {request.attempt}", self)
        self.attempt_label.setVisible(request.attempt > 1)
        self.problem_label = QLabel(request.problem or "", self)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(ERROR_STYLE)
        self.problem_label.setVisible(bool(request.problem))

        self.code_edit = QLineEdit(self)
        self.code_edit.setPlaceholderText("123456")
        self.code_edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(font.pointSizeF() * 1.6)
        self.code_edit.setFont(font)
        self.code_edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        # No maxLength: a pasted "123 456" must arrive whole before it is cleaned.
        self.code_edit.textChanged.connect(self._text_changed)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button.setText("Sign in")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(facts)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.attempt_label)
        layout.addWidget(self.code_edit)
        layout.addWidget(self.buttons)
        self._text_changed(self.code_edit.text())
        self.code_edit.setFocus()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _selectable(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _text_changed(self, text: str) -> None:
        cleaned = clean_code(text)
        if cleaned != text:
            self.code_edit.setText(cleaned)  # re-enters once with the clean text
            return
        self.ok_button.setEnabled(len(cleaned) == CODE_LENGTH)

    def code(self) -> str | None:
        """The 6 digits entered, or None if the field does not hold a whole code."""
        cleaned = clean_code(self.code_edit.text())
        return cleaned if len(cleaned) == CODE_LENGTH else None

    def accept(self) -> None:
        if self.code() is not None:  # Enter with 5 digits must not submit
            super().accept()
