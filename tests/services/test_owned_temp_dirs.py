"""Temporary folders of dead processes go; those of running ones, and anything that is
not plainly such a folder of ours, stay."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ssmgui.services.owned_temp_dirs import owned_temp_dir, remove_leftovers
from ssmgui.services.process_identity import describe, owner_tag, this_process

PREFIX = "ssmgui-test-"


def dead_owner_tag() -> str:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    identity = describe(child.pid)
    child.kill()
    child.wait()
    assert identity is not None
    return owner_tag(identity)


def test_a_new_folder_is_private_and_names_this_process(tmp_path: Path) -> None:
    folder = owned_temp_dir(PREFIX, tmp_path)
    assert folder.parent == tmp_path
    assert folder.name.startswith(f"{PREFIX}{owner_tag(this_process())}-")
    assert folder.stat().st_mode & 0o777 == 0o700


def test_only_dead_owners_folders_are_removed(tmp_path: Path) -> None:
    mine = owned_temp_dir(PREFIX, tmp_path)
    dead = tmp_path / f"{PREFIX}{dead_owner_tag()}-abc123"
    (dead / "inner").mkdir(parents=True)
    (dead / "inner" / "file.rdp").write_text("full address:s:127.0.0.1:3389")
    untagged = tmp_path / f"{PREFIX}k2j4h5g6"  # an older release's name: owner unknown
    untagged.mkdir()
    other_prefix = tmp_path / f"ssmgui-other-{dead_owner_tag()}-abc"
    other_prefix.mkdir()
    assert remove_leftovers(PREFIX, tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [mine.name, untagged.name, other_prefix.name]
    )


def test_a_symbolic_link_or_a_file_is_never_followed_or_removed(tmp_path: Path) -> None:
    target = tmp_path / "someone-elses"
    target.mkdir()
    (target / "keep").write_text("x")
    link = tmp_path / f"{PREFIX}{dead_owner_tag()}-link"
    os.symlink(target, link)
    plain_file = tmp_path / f"{PREFIX}{dead_owner_tag()}-file"
    plain_file.write_text("x")
    assert remove_leftovers(PREFIX, tmp_path) == []
    assert (target / "keep").exists() and link.is_symlink() and plain_file.exists()


def test_a_missing_root_is_no_error(tmp_path: Path) -> None:
    assert remove_leftovers(PREFIX, tmp_path / "missing") == []
