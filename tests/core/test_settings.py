"""Settings survive a save and a hand edit: round trip, tolerant loading, the store."""

from __future__ import annotations

import json
from pathlib import Path

from ssmgui.core.settings import Engine, Favourite, Settings, from_dict, to_dict
from ssmgui.core.tunnel import TunnelKind, TunnelSpec
from ssmgui.services.settings_store import SettingsService, SettingsStore

FAVOURITE = Favourite(
    "prod db", TunnelSpec("prod", "eu-west-1", "i-0123456789abcdef0", TunnelKind.CUSTOM, 5432,
                          remote_host="db.internal", local_port=15432), auto_start=True,
)  # fmt: skip


def test_every_field_round_trips_through_json() -> None:
    settings = Settings(
        profiles=("prod",), regions=("eu-west-1", "us-east-1"), mfa_duration_s=3600,
        engine=Engine.PLUGIN, keepalive=True, favourites=(FAVOURITE,),
    ).with_preferred_port("i-0123456789abcdef0", TunnelKind.RDP, 13389)  # fmt: skip
    loaded = from_dict(json.loads(json.dumps(to_dict(settings))))
    assert loaded.settings == settings and loaded.problems == ()


def test_favourites_are_flat_in_the_file() -> None:
    (written,) = to_dict(Settings(favourites=(FAVOURITE,)))["favourites"]
    assert written == {
        "name": "prod db", "profile": "prod", "region": "eu-west-1",
        "instance_id": "i-0123456789abcdef0", "kind": "custom", "remote_port": 5432,
        "remote_host": "db.internal", "local_port": 15432, "auto_start": True,
    }  # fmt: skip


def test_bad_values_fall_back_and_are_named() -> None:
    loaded = from_dict({"mfa_duration_s": 60, "keepalive": "yes", "ssh_user": "admin", "x": 1})
    assert loaded.settings.mfa_duration_s == Settings().mfa_duration_s
    assert loaded.settings.ssh_user == "admin"
    assert sorted(p.split()[0] for p in loaded.problems) == ["keepalive", "mfa_duration_s"]


def test_a_malformed_file_is_kept_aside_and_defaults_apply(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{not json")
    service = SettingsService(SettingsStore(tmp_path))
    assert service.current == Settings()
    assert "malformed" in service.problems[0]
    assert (tmp_path / "settings.json.broken").read_text() == "{not json"
    service.update(Settings(ssh_user="ubuntu"))
    assert SettingsService(SettingsStore(tmp_path)).current.ssh_user == "ubuntu"
