"""Ports (and optionally a host behind the instance) for "Connect to another port…" and
"Reach a host behind this instance…", validated by the rules of `ssmgui.core.tunnel`."""

from __future__ import annotations

import ipaddress
import re

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.instance import Instance
from ssmgui.core.tunnel import validate_local_port, validate_remote_port
from ssmgui.ui.mfa_dialog import ERROR_STYLE

MINIMUM_WIDTH = 480

# One DNS label: letters, digits, hyphens (underscores too: internal names use them), not
# starting or ending with a hyphen.
_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_\-]{0,61}[A-Za-z0-9_])?$")


def validate_remote_host(text: str, *, required: bool) -> str:
    """`text` as a host for ToRemoteHost: a DNS name or an IPv4/IPv6 address; "" when empty
    and not `required`. A bare number ("9000", a port typed in the wrong field) or
    digits-and-dots that are no IPv4 address ("10.0.3") are refused: the session would say
    Ready and every connection through it would fail."""
    host = text.strip()
    if not host:
        if required:
            raise ConfigurationError("Enter the host to reach, for example db.internal.")
        return ""
    if not _is_ip_address(host) and not _is_host_name(host):
        hint = "a port goes in Remote port" if host.isdigit() else "no http://, no spaces"
        raise ConfigurationError(
            f"{host!r} is not a host name or IP address ({hint}): for example db.internal "
            "or 10.0.3.7."
        )
    return host


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_host_name(host: str) -> bool:
    labels = host.removesuffix(".").split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        return False
    # A name's last label is never all digits: "9000" or "10.0.3" is a mistyped port or IP.
    return not labels[-1].isdigit()


class CustomPortDialog(QDialog):
    """Remote port (1–65535), local port (0 or empty: any free port) and, when
    `ask_remote_host`, the host to reach through the instance. OK only when all are valid,
    and what is wrong is shown under the fields; read `remote_port()`, `local_port()`,
    `remote_host()` after `accepted`. `host_edit` exists only when a host is asked for (a
    hidden one once took the focus and the typing), and the first field has the focus."""

    def __init__(
        self, instance: Instance, *, ask_remote_host: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ask_remote_host = ask_remote_host
        title = "Reach a host through" if ask_remote_host else "Connect to a port on"
        self.setWindowTitle(f"{title} {instance.display_name}")
        self.setMinimumWidth(MINIMUM_WIDTH)  # the title and a reason fit on a line or two
        self.host_edit: QLineEdit | None = None
        if ask_remote_host:
            self.host_edit = QLineEdit(self)
            self.host_edit.setPlaceholderText("db.internal or 10.0.3.7")
        self.remote_edit = QLineEdit(self)
        self.remote_edit.setPlaceholderText("for example 5432")
        self.local_edit = QLineEdit(self)
        self.local_edit.setPlaceholderText("any free port")
        self.problem_label = QLabel(self)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(ERROR_STYLE)
        form = QFormLayout()
        if self.host_edit is not None:
            form.addRow("Host:", self.host_edit)
        form.addRow("Remote port:", self.remote_edit)
        form.addRow("Local port:", self.local_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        for edit in self._edits():
            edit.textChanged.connect(self._validate)
        self._edits()[0].setFocus()
        self._validate()

    def _edits(self) -> list[QLineEdit]:
        """The fields shown, top to bottom."""
        shown = [self.host_edit] if self.host_edit is not None else []
        return [*shown, self.remote_edit, self.local_edit]

    def problem(self) -> str:
        """Why OK is disabled ("" when the input is valid)."""
        try:
            self._values()
        except ConfigurationError as error:
            return error.user_message
        return ""

    def _values(self) -> tuple[int, int, str]:
        typed_host = self.host_edit.text() if self.host_edit is not None else ""
        host = validate_remote_host(typed_host, required=self.ask_remote_host)
        remote_text = self.remote_edit.text().strip()
        if not remote_text:
            raise ConfigurationError("Enter the port to connect to on the other side.")
        remote = validate_remote_port(remote_text)
        local = validate_local_port(self.local_edit.text().strip() or "0")
        return remote, local, host

    def _validate(self) -> None:
        problem = self.problem()
        # An empty form is not an error yet: say nothing until something was typed.
        typed = any(edit.text() for edit in self._edits())
        self.problem_label.setText(problem)
        shown = bool(problem) and typed
        if shown == self.problem_label.isHidden():
            self.problem_label.setVisible(shown)
            self.adjustSize()  # grow (or shrink back) to the reason, not clip it
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def accept(self) -> None:
        if not self.problem():
            super().accept()

    def remote_port(self) -> int:
        return self._values()[0]

    def local_port(self) -> int:
        return self._values()[1]

    def remote_host(self) -> str:
        return self._values()[2]
