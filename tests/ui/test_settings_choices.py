"""The regions checklist and the colours in the settings dialog: what a person ticks and
picks becomes the settings, and a dialog closed untouched changes nothing."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from ssmgui.core.profile_marks import PRODUCTION_COLOUR
from ssmgui.core.regions import OWN_REGIONS
from ssmgui.core.settings import Settings
from ssmgui.ui.settings_dialog import SettingsDialog

CHOICES = ["ap-south-1", "eu-west-1", "us-east-1"]


def _dialog(qtbot: QtBot, settings: Settings, profiles: list[str]) -> SettingsDialog:
    dialog = SettingsDialog(settings, profiles, region_choices=CHOICES)
    qtbot.addWidget(dialog)
    return dialog


def test_untouched_it_gives_back_what_it_was_given(qtbot: QtBot) -> None:
    settings = Settings(
        regions=("us-east-1", OWN_REGIONS, "xx-hand-typed-1"),
        profile_colours={"prod": "", "dev": "#123456", "gone": "#6a1b9a"},
        confirm_marked=True,
    )
    dialog = _dialog(qtbot, settings, ["prod", "dev"])
    assert dialog.result_settings() == settings
    assert dialog.region_list.item_for("xx-hand-typed-1") is not None  # still offered
    assert dialog.marks.combos["dev"].currentText() == "#123456"  # a hand-typed colour


def test_ticked_regions_keep_their_order_and_new_ones_follow(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings(regions=("us-east-1", "eu-west-1")), [])
    regions = dialog.region_list
    item = regions.item_for("ap-south-1")
    assert item is not None
    regions.setCurrentItem(item)
    QTest.keyClick(regions, Qt.Key.Key_Space)  # as a person ticks it
    assert dialog.result_settings().regions == ("us-east-1", "eu-west-1", "ap-south-1")


def test_the_own_region_alone_or_nothing_ticked_is_the_default(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings(regions=("eu-west-1",)), [])
    dialog.region_list.set_checked("eu-west-1", False)
    assert dialog.result_settings().regions == ()
    dialog.region_list.set_checked(OWN_REGIONS, True)
    assert dialog.result_settings().regions == ()
    dialog.region_list.set_checked("us-east-1", True)
    assert dialog.result_settings().regions == (OWN_REGIONS, "us-east-1")


def test_only_colours_that_differ_from_the_rule_are_kept(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings(), ["prod", "dev"])
    assert dialog.marks.combos["prod"].currentData() == PRODUCTION_COLOUR  # the rule
    assert dialog.marks.combos["dev"].currentData() == ""
    dialog.marks.set_colour("dev", "#2e7d32")
    assert dialog.result_settings().profile_colours == {"dev": "#2e7d32"}
    dialog.marks.set_colour("prod", "")
    dialog.marks.confirm_check.setChecked(True)
    result = dialog.result_settings()
    assert result.profile_colours == {"dev": "#2e7d32", "prod": ""}
    assert result == dataclasses.replace(Settings(), profile_colours=result.profile_colours,
                                         confirm_marked=True)  # fmt: skip
