"""Without any display the GUI says what to do instead and exits 2 — it used to be Qt's
abort (exit 134, a core dump) with a hint about xcb plugins (issue 17 item 11)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ssmgui.app.display_check import NO_DISPLAY, display_problem


@pytest.mark.parametrize(
    ("env", "platform", "problem"),
    [({}, "linux", True), ({"DISPLAY": ":0"}, "linux", False),
     ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
     ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False), ({"DISPLAY": ""}, "linux", True),
     ({}, "freebsd14", True), ({}, "darwin", False), ({}, "win32", False)],
)  # fmt: skip
def test_display_problem(env: dict[str, str], platform: str, problem: bool) -> None:
    assert (display_problem(env, platform) == NO_DISPLAY) is problem


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="they always have a display")
def test_the_gui_without_a_display_says_what_to_run_and_exits_2() -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    finished = subprocess.run(
        [sys.executable, "-m", "ssmgui", "--demo"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert finished.returncode == 2, finished.stderr
    assert "no graphical display" in finished.stderr
    assert "ssmgui list" in finished.stderr and "--demo --check" in finished.stderr
    assert "xcb" not in finished.stderr and "Traceback" not in finished.stderr
