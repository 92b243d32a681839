"""The IAM Identity Center pairs chosen in Settings: their settings lines and labels."""

from __future__ import annotations

from ssmgui.core.settings import Settings, from_dict, to_dict
from ssmgui.core.sso_roles import ChosenRole, chosen_roles, label_parts


def test_a_line_names_session_account_role_and_a_name_that_may_hold_a_slash() -> None:
    role = ChosenRole("corp", "123456789012", "Dev", "team/sandbox")
    assert ChosenRole.from_key(role.key) == role
    assert role.label == "corp:team/sandbox/Dev"
    assert ChosenRole("corp", "123456789012", "Dev").label == "corp:123456789012/Dev"


def test_lines_that_name_no_pair_are_left_out_and_repeats_kept_once() -> None:
    good = "corp/123456789012/Dev/sandbox"
    keys = ["", "corp", "corp//Dev/x", good, good]
    assert [r.key for r in chosen_roles(keys)] == [good]


def test_the_choice_survives_the_settings_file() -> None:
    settings = Settings(sso_roles=("corp/123456789012/Dev/sandbox",))
    loaded = from_dict(to_dict(settings))
    assert loaded.problems == () and loaded.settings.sso_roles == settings.sso_roles
    assert Settings().sso_roles == ()  # none new by default


def test_a_labels_parts_are_its_session_account_and_role() -> None:
    assert label_parts("corp:demo-sandbox/Dev") == ("corp", "demo-sandbox", "Dev")
    assert label_parts("corp:Team A/B/Admin") == ("corp", "Team A/B", "Admin")
    assert label_parts("demo-prod") is None
    assert label_parts("odd:name") is None
    assert label_parts("a/b") is None
