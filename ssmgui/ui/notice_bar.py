"""A bar across the top of the window for a notice that wants an answer ("credentials
expire at 14:05 — Sign in…"): where there is no tray to show a notification, and for a
person who is looking at the window rather than at the tray."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class NoticeBar(QFrame):
    """Hidden until `show_notice`; the action button emits `action_requested` and hides the
    bar (what follows, such as the MFA dialog, takes over); ✕ only hides it. A notice with
    an action shown over a banner (a notice without one, such as the demo's welcome, which
    holds the MFA code a newcomer needs) keeps the banner's text above its own until the bar
    is hidden."""

    action_requested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("NoticeBar { background: #fff4ce; }")
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.action = QPushButton(self)
        self.action.clicked.connect(self._act)
        self.dismiss = QToolButton(self)
        self.dismiss.setText("✕")
        self.dismiss.setToolTip("Hide this notice")
        self.dismiss.clicked.connect(self._dismiss)
        self._banner = ""  # the shown banner's text, kept above a notice with an action
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.dismiss)
        self.hide()

    def show_notice(self, title: str, message: str, action: str = "") -> None:
        """Show `title` and `message`, with a button labelled `action` unless it is ""."""
        text = f"<b>{_escaped(title)}</b><br>{_escaped(message)}"
        if not action:
            self._banner = text
        elif self._banner and not self.isHidden():
            text = f"{self._banner}<br><br>{text}"
        self.text.setText(text)
        self.action.setText(action)
        self.action.setVisible(bool(action))
        self.show()

    def hide(self) -> None:
        """Hidden, with any banner it kept (QWidget.hide, which the bar's own clicks use)."""
        self._banner = ""
        super().hide()

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()

    def _act(self) -> None:
        self.hide()
        self.action_requested.emit()


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
