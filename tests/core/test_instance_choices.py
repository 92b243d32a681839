"""Per-instance choices and key files in the settings: kept by (profile, region, id),
round-tripped through the file's dict form, and tolerant of hand edits."""

from __future__ import annotations

import json

from ssmgui.core.instance_choices import InstanceChoice
from ssmgui.core.settings import Settings, from_dict, to_dict
from ssmgui.core.tunnel import TunnelKind


def test_a_choice_is_kept_per_profile_region_and_instance() -> None:
    settings = Settings().with_choice("prod", "eu-west-1", "i-1", InstanceChoice(TunnelKind.HTTP))
    assert settings.choice_for("prod", "eu-west-1", "i-1").action is TunnelKind.HTTP
    # The same id in another account's profile or another region is another machine.
    assert settings.choice_for("dev", "eu-west-1", "i-1") == InstanceChoice()
    assert settings.choice_for("prod", "us-east-1", "i-1") == InstanceChoice()


def test_an_empty_choice_is_forgotten_not_stored() -> None:
    chosen = Settings().with_choice("p", "r", "i-1", InstanceChoice(ssh_user="ubuntu"))
    assert chosen.with_choice("p", "r", "i-1", InstanceChoice()).instance_choices == {}


def test_choices_and_key_files_survive_the_settings_file() -> None:
    settings = (
        Settings()
        .with_choice("p", "r", "i-1", InstanceChoice(TunnelKind.SSH, "admin"))
        .with_choice("p", "r", "i-2", InstanceChoice(TunnelKind.RDP))
        .with_key_file("prod-key", "/home/me/prod-key.pem")
    )
    loaded = from_dict(json.loads(json.dumps(to_dict(settings))))
    assert loaded.problems == ()
    assert loaded.settings == settings


def test_a_key_file_is_replaced_or_forgotten_by_key_pair_name() -> None:
    settings = Settings().with_key_file("k", "/a.pem").with_key_file("k", "/b.pem")
    assert settings.key_files == {"k": "/b.pem"}
    assert settings.with_key_file("k", "").key_files == {}


def test_a_hand_edited_choice_that_makes_no_sense_is_reset_and_named() -> None:
    loaded = from_dict({"instance_choices": {"p/r/i-1": {"action": "telnet"}}, "key_files": []})
    assert loaded.settings.instance_choices == {}
    assert loaded.settings.key_files == {}
    assert any("instance_choices" in problem for problem in loaded.problems)
    assert any("key_files" in problem for problem in loaded.problems)
