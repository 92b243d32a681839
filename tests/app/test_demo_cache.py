"""A `--demo` run leaves no cache folder behind: its own goes on quit, and a crashed demo's
at the next demo's start (never a running one's)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ssmgui.app.services import DEMO_CACHE_PREFIX, build_demo_services
from ssmgui.services.process_identity import describe, owner_tag, this_process


def dead_owner_tag() -> str:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    identity = describe(child.pid)
    child.kill()
    child.wait()
    assert identity is not None
    return owner_tag(identity)


async def test_the_demo_cache_goes_on_quit_and_a_crashed_demos_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    crashed = tmp_path / f"{DEMO_CACHE_PREFIX}{dead_owner_tag()}-a1b2c3"
    (crashed / "sso").mkdir(parents=True)
    services = await build_demo_services(lambda: None)
    try:
        assert not crashed.exists()
        (ours,) = tmp_path.glob(f"{DEMO_CACHE_PREFIX}*")
        assert ours.name.startswith(f"{DEMO_CACHE_PREFIX}{owner_tag(this_process())}-")
    finally:
        await services.close()
    assert list(tmp_path.glob(f"{DEMO_CACHE_PREFIX}*")) == []
