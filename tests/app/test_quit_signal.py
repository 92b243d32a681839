"""SIGTERM (a logout, `kill`) quits the real app process as the menu's Quit does, even while
the MFA dialog is waiting for a code: the worker waiting on it is released, so the process
ends instead of hanging in its exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _wait_for(path: Path, text: str, process: subprocess.Popen[bytes], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        content = path.read_text() if path.exists() else ""
        if text in content:
            return content
        assert process.poll() is None, f"ssmgui exited early: {content}"
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in {path}")


def test_sigterm_quits_the_app_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}  # fmt: skip
    log = tmp_path / "state" / "ssmgui" / "log" / "ssmgui.log"
    process = subprocess.Popen([sys.executable, "-m", "ssmgui", "--demo"], env=env)
    try:
        _wait_for(log, "ssmgui started on the demo AWS", process, 60)
        time.sleep(1.0)  # the first refresh is now waiting on the MFA dialog
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    content = log.read_text()
    assert "ssmgui quit: tunnels stopped, services closed" in content
    assert "Traceback" not in content
