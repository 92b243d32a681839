"""Regions waiting for the person's sign-in (region_status.py): said on one line per
profile, counted in the summary, and no longer once each region's answer or error comes."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ssmgui.ui.region_status import RegionStatusPanel


def waiting(panel: RegionStatusPanel) -> list[str]:
    return [text for text in panel.problem_texts() if "waiting" in text]


def test_waiting_regions_until_each_answers_or_fails(qtbot: QtBot) -> None:
    panel = RegionStatusPanel()
    qtbot.addWidget(panel)
    assert panel.summary.text() == "Looking for instances…"
    for region in ("us-east-1", "eu-west-1"):
        panel.set_waiting("prod", region)
    assert waiting(panel) == [
        "prod / eu-west-1, us-east-1: waiting for you to sign in (MFA code or SSO)"
        " — listed as soon as you do"
    ]
    assert panel.summary.text() == "1 profile waiting for sign-in"  # in 2 regions
    panel.set_region("dev", "eu-west-1", 40, stale=False)
    assert panel.summary.text() == "40 instances in 1 region · 1 profile waiting for sign-in"
    panel.set_region("prod", "eu-west-1", 12, stale=False)
    panel.set_error("prod", "us-east-1", "MFA sign-in for 'prod' was cancelled.")
    assert waiting(panel) == []
    assert panel.summary.text() == (
        "52 instances of 2 profiles in 2 regions · 1 could not be read"
    )  # 3 profile/region pairs, but 2 regions by name


def test_a_saved_list_stays_counted_while_its_region_waits(qtbot: QtBot) -> None:
    panel = RegionStatusPanel()
    qtbot.addWidget(panel)
    panel.set_region("prod", "eu-west-1", 7, stale=True)
    panel.set_waiting("prod", "eu-west-1")
    assert panel.summary.text() == (
        "7 instances in 1 region · 1 profile waiting for sign-in · 1 from the saved list"
    )


def test_one_line_per_profile_and_problem_naming_its_regions(qtbot: QtBot) -> None:
    """A cancelled sign-in said the same once per region: three lines where one says it."""
    panel = RegionStatusPanel()
    qtbot.addWidget(panel)
    for region in ("us-east-1", "eu-west-1", "eu-central-1"):
        panel.set_error("prod", region, "MFA sign-in for 'prod' was cancelled.")
    panel.set_error("prod", "ap-south-1", "Access denied")
    panel.set_region("dev", "eu-west-1", 3, stale=True)
    assert panel.problem_texts() == [
        "dev / eu-west-1: showing the saved list; the region has not answered yet",
        "prod / ap-south-1: Access denied",
        "prod / eu-central-1, eu-west-1, us-east-1: MFA sign-in for 'prod' was cancelled.",
    ]
    assert panel.summary.text().endswith("4 could not be read · 1 from the saved list")
