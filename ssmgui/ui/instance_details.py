"""The selected instance's facts below the instances table, with copy buttons.

Only what the inventory already has (`ssmgui.core.instance.Instance`): tags, state,
platform, agent version (and what it cannot do), ping, IPs, profile, account and region.
The window calls `show_instance` whenever the selection or the listing changes; every
value can be selected with the mouse, and the buttons copy the id, the IP and the name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ssmgui.core.instance import (
    MULTIPLEXING_AFTER_AGENT,
    PORT_FORWARDING_MIN_AGENT,
    Instance,
)

NOTHING_SELECTED = "Select an instance to see its details."
_COLUMNS = (
    ("Name", "Instance ID", "State", "Platform", "SSM Agent"),
    ("Ping", "Private IP", "Public IP", "Profile", "Account", "Region"),
    ("Double-click", "SSH user", "Tags"),
)
#: (what a double-click opens, who SSH logs in as) for an instance, each with its reason.
Describe = Callable[[Instance], tuple[str, str]]


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def agent_text(instance: Instance) -> str:
    """The agent version, and what it cannot do when it is too old for something."""
    version = instance.agent_version or "unknown"
    if not instance.supports_port_forwarding:
        return (
            f"{version} — too old for tunnels: port forwarding needs SSM Agent "
            f"{_dotted(PORT_FORWARDING_MIN_AGENT)} or later. Update the agent on the instance."
        )
    if not instance.supports_multiplexing:
        return (
            f"{version} — one connection at a time: agents up to "
            f"{_dotted(MULTIPLEXING_AFTER_AGENT)} forward a single connection per tunnel."
        )
    return version


def ping_text(instance: Instance, now: datetime) -> str:
    """'Online — last ping 12:03:14 (5 min ago)'."""
    status = instance.ping_status.value
    if instance.last_ping is None:
        return status
    seen = instance.last_ping
    if seen.tzinfo is None:  # the inventory's times are UTC
        seen = seen.replace(tzinfo=UTC)
    return f"{status} — last ping {seen.astimezone():%Y-%m-%d %H:%M:%S} ({_ago(now - seen)})"


def _ago(elapsed: timedelta) -> str:
    seconds = max(0, int(elapsed.total_seconds()))
    if seconds < 60:
        return "just now" if seconds < 5 else f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86_400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86_400} days ago"


def state_text(instance: Instance) -> str:
    if instance.hybrid:
        return "on-premises (hybrid activation)"
    return instance.state or "unknown (EC2 did not say)"


def tags_text(instance: Instance) -> str:
    return "\n".join(f"{key} = {value}" for key, value in instance.tags) or "no tags"


def detail_values(instance: Instance, now: datetime) -> dict[str, str]:
    """Every field's text, by its label."""
    return {
        "Name": instance.name or "(no Name tag)",
        "Instance ID": instance.instance_id,
        "State": state_text(instance),
        "Platform": instance.platform_name or instance.platform.value,
        "SSM Agent": agent_text(instance),
        "Ping": ping_text(instance, now),
        "Private IP": instance.private_ip or "—",
        "Public IP": instance.public_ip or "—",
        "Profile": instance.profile,
        "Account": instance.account or "—",
        "Region": instance.region,
        "Tags": tags_text(instance),
    }


class InstanceDetails(QWidget):
    """The details of one instance (or a hint when none is selected).

    `copy_requested(str)`: the text a copy button copies. `values` holds each field's label.
    """

    copy_requested = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("instanceDetails")
        self._clock = clock
        self.instance: Instance | None = None
        # Set by whoever knows the settings; without it those two fields say nothing.
        self.describe: Describe = lambda _instance: ("", "")
        self.hint = QLabel(NOTHING_SELECTED, self)
        self.values: dict[str, QLabel] = {}
        columns = QHBoxLayout()
        for names in _COLUMNS:
            form = QFormLayout()
            for name in names:
                self.values[name] = self._value_label(wrap=name == "SSM Agent")
                form.addRow(f"{name}:", self.values[name])
            columns.addLayout(form, 1)
        self.copy_id = QPushButton("Copy ID", self)
        self.copy_ip = QPushButton("Copy IP", self)
        self.copy_name = QPushButton("Copy name", self)
        buttons = QHBoxLayout()
        for button in (self.copy_id, self.copy_ip, self.copy_name):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.copy_id.clicked.connect(lambda: self._copy(lambda i: i.instance_id))
        self.copy_ip.clicked.connect(lambda: self._copy(lambda i: i.private_ip or i.public_ip))
        self.copy_name.clicked.connect(lambda: self._copy(lambda i: i.name))
        self.body = QWidget(self)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(columns)
        body.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.hint)
        layout.addWidget(self.body)
        layout.addStretch(1)  # the facts at the top, however tall the panel is dragged
        self.show_instance(None)

    def _value_label(self, *, wrap: bool = False) -> QLabel:
        label = QLabel(self)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setTextFormat(Qt.TextFormat.PlainText)
        # Wrapped labels in a form are laid out one line high (heightForWidth): only the
        # agent's explanation is long enough to need it; tags are one per line.
        label.setWordWrap(wrap)
        return label

    def show_instance(self, instance: Instance | None) -> None:
        """Show `instance`'s details, or the hint when None."""
        self.instance = instance
        self.hint.setVisible(instance is None)
        self.body.setVisible(instance is not None)
        if instance is None:
            return
        opens, user = self.describe(instance)
        values = detail_values(instance, self._clock())
        values.update({"Double-click": opens or "—", "SSH user": user or "—"})
        for name, text in values.items():
            self.values[name].setText(text)
        self.copy_ip.setEnabled(bool(instance.private_ip or instance.public_ip))
        self.copy_name.setEnabled(bool(instance.name))

    def refresh(self) -> None:
        """Show the same instance again (a choice for it changed)."""
        self.show_instance(self.instance)

    def _copy(self, text_of: Callable[[Instance], str]) -> None:
        if self.instance is not None and text_of(self.instance):
            self.copy_requested.emit(text_of(self.instance))
