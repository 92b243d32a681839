"""MFA, custom-port and settings dialogs."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from ssmgui.core.credentials import MfaRequest
from ssmgui.core.errors import ConfigurationError
from ssmgui.core.regions import OWN_REGIONS
from ssmgui.core.settings import Engine, Favourite, Settings
from ssmgui.core.tunnel import TunnelKind, TunnelSpec
from ssmgui.ui.custom_port_dialog import CustomPortDialog, validate_remote_host
from ssmgui.ui.mfa_dialog import MfaDialog, clean_code
from ssmgui.ui.settings_dialog import SettingsDialog
from tests.ui.sample_fleet import make_instance

REQUEST = MfaRequest("prod-admin", "prod", "arn:aws:iam::111111111111:mfa/alice")


@pytest.mark.parametrize(
    ("typed", "code"),
    [("123 456", "123456"), ("123-456", "123456"), (" 12 34 56 ", "123456"),
     ("1234567", "123456"), ("12345", "12345"), ("１２３４５６", ""), ("abc", "")],
)  # fmt: skip
def test_clean_code(typed: str, code: str) -> None:
    assert clean_code(typed) == code


def test_mfa_paste_and_ok_enablement(qtbot: QtBot) -> None:
    dialog = MfaDialog(REQUEST)
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    QApplication.clipboard().setText("123 456")
    dialog.code_edit.paste()
    assert dialog.code_edit.text() == "123456"
    assert dialog.ok_button.isEnabled()
    assert dialog.code() == "123456"
    dialog.code_edit.backspace()
    assert not dialog.ok_button.isEnabled()
    assert dialog.code() is None
    QTest.keyClicks(dialog.code_edit, "9x")
    assert dialog.code_edit.text() == "123459"


def test_mfa_dialog_names_profile_device_and_shows_the_retry_problem(qtbot: QtBot) -> None:
    retry = dataclasses.replace(REQUEST, attempt=2, problem="That code was not accepted.")
    dialog = MfaDialog(retry)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "prod-admin" in dialog.windowTitle()
    assert dialog.problem_label.isVisible()
    assert dialog.problem_label.text() == "That code was not accepted."
    assert dialog.attempt_label.isVisible()
    assert dialog.attempt_label.text() == "Attempt 2"
    first = MfaDialog(REQUEST)
    qtbot.addWidget(first)
    first.show()
    assert not first.problem_label.isVisible()


def test_mfa_dialog_works_with_open_and_signals(qtbot: QtBot) -> None:
    dialog = MfaDialog(REQUEST)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.code_edit.setText("654321")
    with qtbot.waitSignal(dialog.accepted):
        dialog.ok_button.click()
    assert dialog.code() == "654321"


@pytest.mark.parametrize(
    ("host", "remote", "local", "problem"),
    [("", "5432", "", ""), ("", "", "", "Enter the port"), ("", "0", "", "not valid"),
     ("", "65536", "", "not valid"), ("", "22", "65535", ""), ("", "22", "70000", "not valid"),
     ("", "22", "x", "not valid")],
)  # fmt: skip
def test_custom_port_validation(
    qtbot: QtBot, host: str, remote: str, local: str, problem: str
) -> None:
    dialog = CustomPortDialog(make_instance())
    qtbot.addWidget(dialog)
    dialog.remote_edit.setText(remote)
    dialog.local_edit.setText(local)
    assert (problem in dialog.problem()) if problem else dialog.problem() == ""
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.isEnabled() == (not problem)


def test_remote_host_dialog_needs_a_host(qtbot: QtBot) -> None:
    dialog = CustomPortDialog(make_instance(), ask_remote_host=True)
    qtbot.addWidget(dialog)
    dialog.remote_edit.setText("5432")
    assert "Enter the host" in dialog.problem()
    assert dialog.host_edit is not None
    dialog.host_edit.setText("http://db")
    assert "not a host name" in dialog.problem()
    dialog.host_edit.setText("db.internal")
    dialog.local_edit.setText("15432")
    assert (dialog.remote_host(), dialog.remote_port(), dialog.local_port()) == (
        "db.internal", 5432, 15432
    )  # fmt: skip


def _shown_dialog(qtbot: QtBot, *, ask_remote_host: bool) -> CustomPortDialog:
    dialog = CustomPortDialog(make_instance(), ask_remote_host=ask_remote_host)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.focusWidget() is not None)
    return dialog


def test_typing_at_once_fills_the_remote_port_and_no_field_is_hidden(qtbot: QtBot) -> None:
    """Issue 17 item 3: a hidden host field had the focus; "9000" typed at once went there
    and made a tunnel to host "9000". Now the keys reach the first visible field."""
    dialog = _shown_dialog(qtbot, ask_remote_host=False)
    edits = dialog.findChildren(QLineEdit)
    assert edits and all(edit.isVisible() for edit in edits)
    assert dialog.focusWidget() is dialog.remote_edit
    QTest.keyClicks(dialog.focusWidget(), "9000")
    assert dialog.remote_edit.text() == "9000"
    assert (dialog.remote_host(), dialog.remote_port()) == ("", 9000)
    QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted.value


def test_the_host_field_comes_first_and_a_port_there_is_refused_visibly(qtbot: QtBot) -> None:
    dialog = _shown_dialog(qtbot, ask_remote_host=True)
    assert dialog.focusWidget() is dialog.host_edit
    QTest.keyClicks(dialog.host_edit, "9000")
    QTest.keyClick(dialog.host_edit, Qt.Key.Key_Tab)
    QTest.keyClicks(dialog.focusWidget(), "5432")
    assert dialog.remote_edit.text() == "5432"
    assert dialog.problem_label.isVisible()
    assert "'9000' is not a host name" in dialog.problem_label.text()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()


@pytest.mark.parametrize(
    ("host", "valid"),
    [("db.internal", True), ("10.0.3.7", True), ("fd00::7", True),
     ("ip-10-0-3-7.eu-west-1.compute.internal", True), ("my_db", True), ("db.", True),
     ("9000", False), ("10.0.3", False), ("300.1.1.1", False), ("http://db", False),
     ("db internal", False), ("-db", False), ("db..internal", False), ("a" * 64, False)],
)  # fmt: skip
def test_remote_host_rules(host: str, valid: bool) -> None:
    if valid:
        assert validate_remote_host(host, required=True) == host
    else:
        with pytest.raises(ConfigurationError, match="not a host name"):
            validate_remote_host(host, required=True)


EDITED = Settings(
    profiles=("dev",),
    regions=("eu-west-1", "us-east-1"),
    mfa_duration_s=5 * 3600 + 30 * 60,
    expiry_warning_s=900,
    ssh_user="ubuntu",
    rdp_user="alice",
    ssh_key_path="/home/a/.ssh/id_ed25519",
    rdp_command="xfreerdp {file}",
    terminal_command="kitty -e {command}",
    browser_command="firefox {url}",
    windows_action=TunnelKind.HTTPS,
    linux_action=TunnelKind.HTTP,
    engine=Engine.PLUGIN,
    plugin_path="/usr/local/bin/session-manager-plugin",
    keepalive=True,
    start_at_login=True,
    reason_template="{user} via ssmgui",
    preferred_ports={"i-0123456789abcdef0/rdp": 13389},
    favourites=(
        Favourite(
            "db", TunnelSpec("prod", "eu-west-1", "i-0123456789abcdef0", TunnelKind.CUSTOM, 5432)
        ),
    ),
)


def test_settings_round_trip_unchanged(qtbot: QtBot) -> None:
    for settings in (Settings(), EDITED, dataclasses.replace(EDITED, mfa_duration_s=43_210)):
        dialog = SettingsDialog(settings, ["prod", "dev"])
        qtbot.addWidget(dialog)
        assert dialog.result_settings() == settings


def test_settings_every_field_edited(qtbot: QtBot) -> None:
    base = dataclasses.replace(Settings(), preferred_ports=EDITED.preferred_ports,
                               favourites=EDITED.favourites)  # fmt: skip
    dialog = SettingsDialog(base, ["prod", "dev"], region_choices=["eu-west-1", "us-east-1"])
    qtbot.addWidget(dialog)
    dialog.all_profiles.setChecked(False)
    dialog.profile_list.item(1).setCheckState(dialog.profile_list.item(1).checkState().Checked)
    dialog.region_list.set_checked(OWN_REGIONS, False)
    dialog.region_list.set_checked("eu-west-1", True)
    dialog.region_list.set_checked("us-east-1", True)
    dialog.mfa_hours.setValue(5)
    dialog.mfa_minutes.setValue(30)
    dialog.warning_minutes.setValue(15)
    dialog.ssh_user_edit.setText("ubuntu")
    dialog.rdp_user_edit.setText("alice")
    dialog.key_edit.setText("/home/a/.ssh/id_ed25519")
    dialog.rdp_edit.setText("xfreerdp {file}")
    dialog.terminal_edit.setText("kitty -e {command}")
    dialog.browser_edit.setText("firefox {url}")
    dialog.windows_action.setCurrentIndex(dialog.windows_action.findData(TunnelKind.HTTPS))
    dialog.linux_action.setCurrentIndex(dialog.linux_action.findData(TunnelKind.HTTP))
    dialog.plugin_radio.setChecked(True)
    dialog.plugin_path_edit.setText("/usr/local/bin/session-manager-plugin")
    dialog.keepalive_check.setChecked(True)
    dialog.login_check.setChecked(True)
    dialog.reason_edit.setText("{user} via ssmgui")
    assert dialog.result_settings() == EDITED


def test_mfa_duration_is_clamped(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings(), [])
    qtbot.addWidget(dialog)
    dialog.mfa_hours.setValue(0)
    dialog.mfa_minutes.setValue(5)
    assert dialog.result_settings().mfa_duration_s == 900


def test_plugin_engine_disabled_with_the_reason(qtbot: QtBot) -> None:
    reason = "session-manager-plugin is not installed."
    dialog = SettingsDialog(Settings(), ["prod"], plugin_unavailable=reason)
    qtbot.addWidget(dialog)
    assert not dialog.plugin_radio.isEnabled()
    assert dialog.plugin_radio.toolTip() == reason
    assert dialog.result_settings().engine is Engine.NATIVE
