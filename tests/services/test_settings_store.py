"""The settings file as promised: a malformed one is kept aside as settings.json.broken and
the defaults apply; what is not a file is left alone; loading never raises nor waits."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ssmgui.core.settings import Settings
from ssmgui.services.settings_store import (
    MAX_SETTINGS_BYTES,
    SettingsService,
    SettingsStore,
)

MALFORMED: dict[str, bytes] = {
    "binary": bytes(range(256)) * 4,
    "not UTF-8": b'{"ssh_user": "caf\xe9"}',
    "truncated": b'{"ssh_user": "ubu',
    "a list": b'["ssh_user", "ubuntu"]',
    "a string": b'"settings"',
    "empty": b"",
    "a byte-order mark": b'\xef\xbb\xbf{"ssh_user": "ubuntu"}',
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_file_is_kept_aside_and_defaults_apply(tmp_path: Path, case: str) -> None:
    store = SettingsStore(tmp_path)
    store.path.write_bytes(MALFORMED[case])
    loaded = store.load()
    assert loaded.settings == Settings()
    assert loaded.problems == (
        f"{store.path} was malformed; it was kept as settings.json.broken and defaults apply.",
    )
    assert not store.path.exists()
    assert (tmp_path / "settings.json.broken").read_bytes() == MALFORMED[case]


def test_a_file_too_large_to_be_settings_is_kept_aside_too(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    with store.path.open("wb") as sparse:
        sparse.truncate(MAX_SETTINGS_BYTES + 1)
    assert "was malformed" in store.load().problems[0]
    assert (tmp_path / "settings.json.broken").exists()


def fifo(path: Path) -> None:
    os.mkfifo(path)


def folder(path: Path) -> None:
    path.mkdir()


def zeros(path: Path) -> None:
    path.symlink_to("/dev/zero")


@pytest.mark.parametrize("make", [fifo, folder, zeros])
def test_what_is_not_a_file_is_left_alone_without_waiting(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    store = SettingsStore(tmp_path)
    make(store.path)
    began = time.monotonic()
    loaded = store.load()
    assert time.monotonic() - began < 1
    assert loaded.settings == Settings()
    assert loaded.problems == (
        f"Could not read {store.path} (it is not a regular file, so it is left as it is).",
    )
    assert os.path.lexists(store.path)
    assert not (tmp_path / "settings.json.broken").exists()


def test_a_malformed_file_that_cannot_be_moved_still_gives_the_defaults(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    store.path.write_bytes(b"\x00\x01")
    (tmp_path / "settings.json.broken" / "in-the-way").mkdir(parents=True)  # os.replace fails
    loaded = SettingsService(store)
    assert loaded.current == Settings()
    assert "is malformed and could not be kept aside" in loaded.problems[0]
    assert store.path.read_bytes() == b"\x00\x01"


def test_good_settings_still_load(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    store.path.write_text(json.dumps({"ssh_user": "ubuntu"}), encoding="utf-8")
    assert store.load().settings.ssh_user == "ubuntu"
