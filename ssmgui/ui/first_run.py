"""What the window says when there is no AWS profile to list: which files were read, and
the next steps (add a profile, or look around in the demo) — instead of "Looking for
instances…" forever (issue 17 item 6)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

NEXT_STEPS = (
    ("aws configure", "an access key of an IAM user"),
    ("aws configure sso", "a sign-in through IAM Identity Center (SSO)"),
)


def first_run_text(files: Sequence[Path], *, configuration_problem: bool) -> str:
    """The help as rich text: `files` are the AWS files read (missing ones marked);
    `configuration_problem` when they exist but cannot be used (the notice above says why)."""
    if configuration_problem:
        return (
            "<b>No AWS profile can be used yet.</b><br>The message above says what is wrong "
            "in your AWS files; fix it and press <b>Refresh</b>."
        )
    read = "".join(
        f"<li><code>{html.escape(str(path))}</code>{_state(path)}</li>" for path in files
    )
    steps = "".join(f"<li><code>{command}</code> — {what}</li>" for command, what in NEXT_STEPS)
    return (
        "<b>No AWS profiles found.</b><br>ssmgui lists the instances of the profiles in your "
        f"AWS files, and read:<ul>{read}</ul>"
        f"To add a profile, run in a terminal:<ul>{steps}</ul>"
        "then press <b>Refresh</b> (F5).<br>"
        "To look around first, quit and run <code>ssmgui --demo</code>: a fake AWS on this "
        "computer, no account needed."
    )


def _state(path: Path) -> str:
    try:
        return "" if path.stat().st_size else " (empty)"
    except OSError:
        return " (not found)"


class FirstRunPanel(QFrame):
    """The help text and a Refresh button; `refresh_requested` when it is pressed."""

    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel(self)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        layout.addStretch(1)
