"""kill -9 of the GUI with a tunnel open leaves no session open for long: the next start
of the GUI ends it.

The GUI's start-up composition runs as a real process (crash_gui.py: the services the app
builds, a tunnel through its manager, on a qasync loop), against the fake AWS in a process
of its own; the window itself adds nothing to the sessions' lifecycle and is left out.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.demo_process import demo_process
from tests.leftover_fixtures import (
    session_records,
    sessions_in,
    ssmgui_env,
    until_terminated,
)

pytestmark = pytest.mark.slow

CHILD = Path(__file__).with_name("crash_gui.py")


@pytest.fixture(scope="module")
def fake() -> Iterator[dict[str, Any]]:
    with demo_process() as info:
        yield info


def start_gui(info: dict[str, Any], home: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The GUI's services with a tunnel open; its session id."""
    env = ssmgui_env(info, home) | {
        "AWS_ENDPOINT_URL_SSM": info["api_url"],  # botocore's own setting: the GUI has no flag
        "QT_QPA_PLATFORM": "offscreen",
    }
    process = subprocess.Popen(
        [sys.executable, str(CHILD), json.dumps(info)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, "the GUI's services did not open a tunnel"
    return process, str(json.loads(line)["session_id"])


def test_a_killed_guis_session_is_ended_at_its_next_start(
    fake: dict[str, Any], tmp_path: Path
) -> None:
    crashed, left = start_gui(fake, tmp_path)
    assert len(session_records(tmp_path)) == 1
    crashed.kill()
    crashed.wait(10)
    assert left in sessions_in(fake, "Active")

    restarted, own = start_gui(fake, tmp_path)
    try:
        until_terminated(fake, {left})
        assert own in sessions_in(fake, "Active")
    finally:
        assert restarted.stdin is not None
        restarted.stdin.close()  # quit as the app quits
        assert restarted.wait(30) == 0
    assert own in sessions_in(fake, "History")
    assert session_records(tmp_path) == []
