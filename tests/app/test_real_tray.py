"""The tray icon in a real tray host: Xvfb + trayer (XEmbed), clicked with xdotool.

The app runs as a child process on the X server (QT_QPA_PLATFORM=xcb); screenshots of the
window and the whole screen are kept in artifacts/ for people to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.real_clients

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"


def require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is missing: scripts/check installs it in CI")
        pytest.skip(f"{program} is not installed")
    return path


@pytest.fixture
def x_display() -> Iterator[str]:
    xvfb = require("Xvfb")
    trayer = require("trayer")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as announced:
        display = f":{announced.readline().strip()}"
    env = os.environ | {"DISPLAY": display}
    tray_host = subprocess.Popen(
        [trayer, "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "200",
         "--height", "32", "--SetDockType", "true", "--transparent", "false", "--expand", "false"],
        env=env,
    )  # fmt: skip
    time.sleep(1.0)
    try:
        yield display
    finally:
        for process in (tray_host, server):
            process.terminate()
            process.wait(10)


def test_tray_icon_in_a_real_tray_opens_the_window(x_display: str) -> None:
    xdotool = require("xdotool")
    ARTIFACTS.mkdir(exist_ok=True)
    env = os.environ | {"DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb"}
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("tray_session.py")), str(ARTIFACTS)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    first = json.loads(child.stdout.readline() or "{}")
    x, y, width, height = first["tray_geometry"]
    assert width > 0 and height > 0 and x > 1000 and y < 40  # inside trayer, top right
    subprocess.run(
        [xdotool, "mousemove", str(x + width // 2), str(y + height // 2), "click", "1"],
        env=env, check=True,
    )  # fmt: skip
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert report["tray"] is True and report["tray_visible"] is True
    assert report["window_visible"] is True and report["instances"] > 300
    for name in ("window.png", "screen.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000
