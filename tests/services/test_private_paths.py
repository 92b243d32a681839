"""What ssmgui keeps on disk is readable by its owner only (POSIX modes)."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ssmgui.core.settings import Settings
from ssmgui.services.inventory.cache import CachedListing, InventoryCache
from ssmgui.services.private_paths import private_directory
from ssmgui.services.settings_store import SettingsStore
from tests.ui.sample_fleet import make_instance

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_private_directory_is_the_owners_alone(tmp_path: Path) -> None:
    made = private_directory(tmp_path / "a" / "b")
    assert made.is_dir() and mode(made) == 0o700


def test_an_existing_open_directory_is_narrowed(tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    private_directory(folder)
    assert mode(folder) == 0o700


def test_settings_are_saved_in_a_private_folder_and_file(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    folder.chmod(0o755)
    store = SettingsStore(folder)
    store.save(Settings())
    assert mode(folder) == 0o700
    assert mode(store.path) == 0o600


def test_the_inventory_cache_is_kept_in_a_private_folder_and_files(tmp_path: Path) -> None:
    folder = tmp_path / "inventory"
    folder.mkdir()
    folder.chmod(0o755)
    cache = InventoryCache(folder)
    instance = make_instance("i-0000000000000000a", "web", profile="p", region="eu-west-1")
    cache.save(CachedListing("p", "eu-west-1", (instance,), datetime(2026, 12, 6, tzinfo=UTC)))
    assert mode(folder) == 0o700
    assert [mode(path) for path in folder.iterdir()] == [0o600]
