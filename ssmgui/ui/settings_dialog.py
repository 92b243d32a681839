"""Settings: which profiles and regions to show, MFA session length, users and keys, the
programs that open tunnels, default actions, the engine, keepalive, start at login, and
each profile's colour (settings_choices.py holds the regions checklist and the colours).

Edits a copy: `result_settings()` returns the original with the edited fields replaced
(`dataclasses.replace`), so fields this dialog does not show (favourites, remembered ports)
pass through untouched. Non-blocking friendly: the key-file picker uses `open()`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ssmgui.core.settings import MFA_DURATION_MAX_S, MFA_DURATION_MIN_S, Engine, Settings
from ssmgui.core.tunnel import TunnelKind
from ssmgui.ui.settings_choices import MarksEditor, RegionChecklist
from ssmgui.ui.sso_roles_page import SsoRolesPage

KEEPALIVE_NOTE = (
    "A policy choice: keepalive keeps idle tunnels open (useful for a minimised Remote "
    "Desktop). Leave it off to let your organisation's idle timeout close forgotten tunnels."
)
_ACTION_KINDS = (
    TunnelKind.RDP, TunnelKind.SSH, TunnelKind.HTTP, TunnelKind.HTTPS, TunnelKind.SHELL,
)  # fmt: skip


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setEnabled(False)  # the muted look of help text
    return label


class SettingsDialog(QDialog):
    """Edits `settings`. `profiles` are the profile names found on this machine;
    `region_choices` the regions to offer (the partition's); `accounts` (profile → account)
    labels the colours; `plugin_unavailable` (a reason, "" if the plugin can be used)
    disables that engine; `sso_roles`, the IAM Identity Center page, is shown when given."""

    def __init__(
        self,
        settings: Settings,
        profiles: Iterable[str],
        *,
        region_choices: Iterable[str] = (),
        accounts: Mapping[str, str] | None = None,
        plugin_unavailable: str = "",
        sso_roles: SsoRolesPage | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.sso_roles = sso_roles  # IAM Identity Center pairs to list, when there are any
        self.setWindowTitle("ssmgui settings")
        self._original = settings
        profiles = list(profiles)
        self.region_list = RegionChecklist(settings.regions, region_choices)
        self.marks = MarksEditor(
            settings.profile_colours, settings.confirm_marked, profiles, accounts
        )
        tabs = QTabWidget(self)
        self.tabs = tabs
        tabs.addTab(self._accounts_page(settings, profiles), "Accounts")
        tabs.addTab(self._connecting_page(settings), "Connecting")
        tabs.addTab(self._tunnels_page(settings, plugin_unavailable), "Tunnels")
        tabs.addTab(self.marks, "Colours")
        if sso_roles is not None:
            tabs.addTab(sso_roles, "IAM Identity Center")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self.resize(560, 480)

    # --- pages ---------------------------------------------------------------------------

    def _accounts_page(self, settings: Settings, profiles: Iterable[str]) -> QWidget:
        self.all_profiles = QCheckBox("Every profile")
        self.profile_list = QListWidget()
        names = list(dict.fromkeys([*profiles, *settings.profiles]))
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            chosen = name in settings.profiles
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
            self.profile_list.addItem(item)
        self.all_profiles.toggled.connect(lambda on: self.profile_list.setEnabled(not on))
        self.all_profiles.setChecked(not settings.profiles)
        self.profile_list.setEnabled(bool(settings.profiles))
        self.mfa_hours = QSpinBox(suffix=" h", minimum=0, maximum=MFA_DURATION_MAX_S // 3600)
        self.mfa_minutes = QSpinBox(suffix=" min", minimum=0, maximum=59)
        self.mfa_hours.setValue(settings.mfa_duration_s // 3600)
        self.mfa_minutes.setValue(settings.mfa_duration_s % 3600 // 60)
        self.warning_minutes = QSpinBox(suffix=" min", minimum=0, maximum=120)
        self.warning_minutes.setValue(settings.expiry_warning_s // 60)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("Profiles:", self.all_profiles)
        form.addRow("", self.profile_list)
        form.addRow("Regions:", self.region_list)
        form.addRow("MFA session length:", _row(self.mfa_hours, self.mfa_minutes))
        form.addRow("", _note("15 minutes to 36 hours; you type a code once per session."))
        form.addRow("Warn before expiry:", self.warning_minutes)
        return page

    def _connecting_page(self, settings: Settings) -> QWidget:
        self.ssh_user_edit = QLineEdit(settings.ssh_user)
        self.rdp_user_edit = QLineEdit(settings.rdp_user)
        self.key_edit = QLineEdit(settings.ssh_key_path)
        self.key_edit.setPlaceholderText("ssh's own default keys")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_key)
        self.push_key_check = QCheckBox("Push a temporary key (EC2 Instance Connect)")
        self.push_key_check.setToolTip(
            "Before ssh connects, give the instance a key made for this run, valid for 60 s "
            "(ec2-instance-connect:SendSSHPublicKey): nothing needs to be in authorized_keys. "
            "Linux EC2 instances with the ec2-instance-connect package (Amazon Linux, Ubuntu)."
        )
        self.push_key_check.setChecked(settings.ssh_push_key)
        self.rdp_edit = QLineEdit(settings.rdp_command)
        self.rdp_edit.setPlaceholderText("the system's Remote Desktop client")
        self.rdp_edit.setToolTip("{file} is the .rdp file, {port} the local port, {user} the user")
        self.terminal_edit = QLineEdit(settings.terminal_command)
        self.terminal_edit.setPlaceholderText("the system's terminal")
        self.terminal_edit.setToolTip("{command} is the ssh command to run")
        self.browser_edit = QLineEdit(settings.browser_command)
        self.browser_edit.setPlaceholderText("the default browser")
        self.browser_edit.setToolTip("{url} is the address to open")
        self.windows_action = self._kind_combo(settings.windows_action)
        self.linux_action = self._kind_combo(settings.linux_action)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("SSH user:", self.ssh_user_edit)
        form.addRow("Remote Desktop user:", self.rdp_user_edit)
        form.addRow("SSH key:", _row(self.key_edit, browse))
        form.addRow("", self.push_key_check)
        form.addRow("Remote Desktop program:", self.rdp_edit)
        form.addRow("Terminal program:", self.terminal_edit)
        form.addRow("Browser program:", self.browser_edit)
        form.addRow(
            "",
            _note(
                "Leave empty for the usual program; {file}, {port}, {user}, "
                "{command} and {url} are filled in."
            ),
        )
        form.addRow("Double-click on Windows:", self.windows_action)
        form.addRow("Double-click on Linux/macOS:", self.linux_action)
        return page

    def _tunnels_page(self, settings: Settings, plugin_unavailable: str) -> QWidget:
        self.native_radio = QRadioButton("Built in (recommended)")
        self.plugin_radio = QRadioButton("AWS session-manager-plugin")
        self.plugin_radio.setEnabled(not plugin_unavailable)
        self.plugin_radio.setToolTip(plugin_unavailable or "Use AWS's own plugin program")
        chosen = self.plugin_radio if settings.engine is Engine.PLUGIN else self.native_radio
        chosen.setChecked(True)
        self.plugin_path_edit = QLineEdit(settings.plugin_path)
        self.plugin_path_edit.setPlaceholderText("found on PATH")
        self.keepalive_check = QCheckBox("Keep idle tunnels alive")
        self.keepalive_check.setChecked(settings.keepalive)
        self.close_with_client_check = QCheckBox("Close a tunnel when its client exits")
        self.close_with_client_check.setToolTip(
            "When the SSH terminal or Remote Desktop window ssmgui opened for a tunnel is "
            "closed, stop the tunnel too (a browser hands the page over, so it never counts)"
        )
        self.close_with_client_check.setChecked(settings.close_tunnel_with_client)
        self.reason_edit = QLineEdit(settings.reason_template)
        self.reason_edit.setToolTip("Recorded in CloudTrail; {kind} and {user} are filled in")
        self.login_check = QCheckBox("Start ssmgui when I log in")
        self.login_check.setChecked(settings.start_at_login)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("Engine:", self.native_radio)
        form.addRow("", self.plugin_radio)
        if plugin_unavailable:
            form.addRow("", _note(plugin_unavailable))
        form.addRow("Plugin location:", self.plugin_path_edit)
        form.addRow("Keepalive:", self.keepalive_check)
        form.addRow("", _note(KEEPALIVE_NOTE))
        form.addRow("Clients:", self.close_with_client_check)
        form.addRow("Session reason:", self.reason_edit)
        form.addRow("", self.login_check)
        return page

    def _kind_combo(self, current: TunnelKind) -> QComboBox:
        combo = QComboBox()
        for kind in _ACTION_KINDS:
            combo.addItem(kind.upper(), kind)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        return combo

    def _browse_key(self) -> None:
        # open(), not getOpenFileName(): that runs a nested event loop (docs/architecture.md,
        # qasync trap 2).
        picker = QFileDialog(self, "Choose your SSH private key", self.key_edit.text())
        picker.setFileMode(QFileDialog.FileMode.ExistingFile)
        picker.fileSelected.connect(self.key_edit.setText)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.open()

    # --- result --------------------------------------------------------------------------

    def mfa_duration_s(self) -> int:
        """The MFA length as edited, kept within 900–129,600 s; unchanged if not touched."""
        original = self._original.mfa_duration_s
        shown = original // 3600 * 3600 + original % 3600 // 60 * 60
        edited = self.mfa_hours.value() * 3600 + self.mfa_minutes.value() * 60
        if edited == shown:
            return original  # keep odd seconds that the minutes field cannot show
        return min(max(edited, MFA_DURATION_MIN_S), MFA_DURATION_MAX_S)

    def _profiles(self) -> tuple[str, ...]:
        if self.all_profiles.isChecked():
            return ()
        items = (self.profile_list.item(row) for row in range(self.profile_list.count()))
        return tuple(i.text() for i in items if i.checkState() == Qt.CheckState.Checked)

    def _warning_s(self) -> int:
        original = self._original.expiry_warning_s
        if self.warning_minutes.value() == original // 60:
            return original
        return int(self.warning_minutes.value()) * 60

    def result_settings(self) -> Settings:
        return dataclasses.replace(
            self._original,
            profiles=self._profiles(),
            regions=self.region_list.chosen(),
            mfa_duration_s=self.mfa_duration_s(),
            expiry_warning_s=self._warning_s(),
            ssh_user=self.ssh_user_edit.text().strip(),
            rdp_user=self.rdp_user_edit.text().strip(),
            ssh_key_path=self.key_edit.text().strip(),
            ssh_push_key=self.push_key_check.isChecked(),
            rdp_command=self.rdp_edit.text().strip(),
            terminal_command=self.terminal_edit.text().strip(),
            browser_command=self.browser_edit.text().strip(),
            windows_action=TunnelKind(self.windows_action.currentData()),
            linux_action=TunnelKind(self.linux_action.currentData()),
            engine=Engine.PLUGIN if self.plugin_radio.isChecked() else Engine.NATIVE,
            plugin_path=self.plugin_path_edit.text().strip(),
            keepalive=self.keepalive_check.isChecked(),
            close_tunnel_with_client=self.close_with_client_check.isChecked(),
            start_at_login=self.login_check.isChecked(),
            reason_template=self.reason_edit.text().strip() or self._original.reason_template,
            profile_colours=self.marks.colours(),
            confirm_marked=self.marks.confirm_check.isChecked(),
            sso_roles=(
                self.sso_roles.chosen_keys() if self.sso_roles else self._original.sso_roles
            ),
        )
