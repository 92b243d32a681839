"""The window's notice bar: what it shows, and which click asks for what."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from ssmgui.ui.notice_bar import NoticeBar


def test_the_action_asks_once_and_the_cross_only_hides(qtbot: QtBot) -> None:
    bar = NoticeBar()
    qtbot.addWidget(bar)
    asked: list[bool] = []
    dismissed: list[bool] = []
    bar.action_requested.connect(lambda: asked.append(True))
    bar.dismissed.connect(lambda: dismissed.append(True))
    assert bar.isHidden()
    bar.show_notice("team<a>: credentials expire at 14:05", "Sign in again & go on", "Sign in…")
    assert not bar.isHidden()
    assert "team&lt;a&gt;" in bar.text.text() and "&amp; go on" in bar.text.text()
    QTest.mouseClick(bar.dismiss, Qt.MouseButton.LeftButton)
    assert bar.isHidden() and asked == [] and dismissed == [True]
    bar.show_notice("prod: credentials expire at 14:05", "Sign in again", "Sign in…")
    QTest.mouseClick(bar.action, Qt.MouseButton.LeftButton)
    assert bar.isHidden() and asked == [True] and dismissed == [True]


def test_a_notice_without_an_action_has_no_button(qtbot: QtBot) -> None:
    bar = NoticeBar()
    qtbot.addWidget(bar)
    bar.show_notice("ssmgui", "Welcome to the demo: the MFA code is 123456.")
    assert not bar.isHidden() and bar.action.isHidden()
    bar.show_notice("prod: credentials expire at 14:05", "Sign in again", "Sign in…")
    assert not bar.action.isHidden()


def test_a_sign_in_notice_over_a_banner_keeps_the_banner_above_it(qtbot: QtBot) -> None:
    """The demo's welcome (with its MFA code) stayed no longer than the first SSO profile's
    "sign in" notice, which replaced it: now both show until the bar is hidden."""
    bar = NoticeBar()
    qtbot.addWidget(bar)
    bar.show_notice("ssmgui", "Welcome to the demo: the MFA code is 123456.")
    bar.show_notice("sso: sign in to IAM Identity Center (SSO)", "Click Sign in…", "Sign in…")
    shown = bar.text.text()
    assert "the MFA code is 123456" in shown and "sign in to IAM Identity Center" in shown
    assert shown.index("123456") < shown.index("IAM Identity Center")
    QTest.mouseClick(bar.action, Qt.MouseButton.LeftButton)
    bar.show_notice("prod: credentials expire at 14:05", "Sign in again", "Sign in…")
    assert "123456" not in bar.text.text()  # the banner went with the bar
