"""Favourites are told apart by what they open, not by name (issue 17, item 9).

Adding the same favourite for a second profile used to replace the first silently: the
name ("SSH web") was its identity, and the name said nothing of the profile.
"""

from __future__ import annotations

import json
from pathlib import Path

from ssmgui.core.settings import Favourite, Settings
from ssmgui.core.tunnel import TunnelKind, spec_for
from ssmgui.services.settings_store import SettingsStore


def favourite(profile: str, region: str = "eu-west-1", name: str = "SSH web") -> Favourite:
    return Favourite(name, spec_for(profile, region, "i-0123456789abcdef0", TunnelKind.SSH))


def test_the_same_favourite_for_a_second_profile_is_a_second_favourite() -> None:
    settings = Settings().with_favourite(favourite("prod")).with_favourite(favourite("dev"))
    assert [(f.spec.profile, f.name) for f in settings.favourites] == [
        ("prod", "SSH web"), ("dev", "SSH web (dev)"),  # no entry hides another
    ]  # fmt: skip


def test_adding_what_is_already_a_favourite_keeps_the_persons_name() -> None:
    settings = Settings().with_favourite(favourite("prod", name="My web"))
    assert settings.with_favourite(favourite("prod")) == settings


def test_a_taken_name_gets_the_region_then_a_number() -> None:
    settings = Settings()
    for region in ("eu-west-1", "us-east-1"):
        for instance_id in ("i-0123456789abcdef0", "i-0fedcba9876543210"):
            spec = spec_for("prod", region, instance_id, TunnelKind.SSH)
            settings = settings.with_favourite(Favourite("SSH web", spec))
    assert [f.name for f in settings.favourites] == [
        "SSH web", "SSH web (eu-west-1)", "SSH web (us-east-1)", "SSH web (us-east-1) 2",
    ]  # fmt: skip


def test_an_older_settings_file_still_loads_its_favourites(tmp_path: Path) -> None:
    # As an earlier ssmgui wrote it: no remote_host, local_port or auto_start, no newer keys.
    old = {
        "profiles": ["prod"],
        "ssh_user": "ubuntu",
        "favourites": [
            {"name": "SSH web", "profile": "prod", "region": "eu-west-1",
             "instance_id": "i-0123456789abcdef0", "kind": "ssh", "remote_port": 22},
            {"name": "SSH web", "profile": "dev", "region": "eu-west-1",
             "instance_id": "i-0123456789abcdef0", "kind": "ssh", "remote_port": 22},
        ],
    }  # fmt: skip
    (tmp_path / "settings.json").write_text(json.dumps(old), encoding="utf-8")
    loaded = SettingsStore(tmp_path).load()
    assert loaded.problems == ()
    profiles = [f.spec.profile for f in loaded.settings.favourites]
    assert profiles == ["prod", "dev"] and not any(f.auto_start for f in loaded.settings.favourites)
    assert loaded.settings.ssh_user == "ubuntu"
