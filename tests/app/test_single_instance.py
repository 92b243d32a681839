"""One app per user: a second launch brings the first one's window forward and exits 0; a
crashed run's lock and socket do not block the next start (issue 17, "One instance").

The real-process test runs `python -m ssmgui --demo` twice under Xvfb with a tray host (so
the first window starts hidden) and looks at the X server with xdotool and xprop, which
also shows the WM_CLASS a dock matches on ("ssmgui", not "__main__.py").
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ssmgui.app.single_instance import SingleInstance, instance_name
from tests.app.test_real_tray import ARTIFACTS, require

CLAIM_AND_DIE = """
import os, signal, sys
from pathlib import Path
from ssmgui.app.single_instance import SingleInstance
held = SingleInstance.claim("ssmgui-test", Path(sys.argv[1]))
print("held" if held else "refused", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_second_claim_is_refused_and_asks_the_first_to_show(tmp_path: Path, qtbot: QtBot) -> None:
    first = SingleInstance.claim("ssmgui-test", tmp_path)
    assert first is not None
    shown: list[bool] = []
    first.on_show(lambda: shown.append(True))
    try:
        assert SingleInstance.claim("ssmgui-test", tmp_path) is None
        qtbot.waitUntil(lambda: shown == [True], timeout=5000)
        other = SingleInstance.claim("ssmgui-other", tmp_path)  # the demo and the app
        assert other is not None
        other.release()
    finally:
        first.release()
    again = SingleInstance.claim("ssmgui-test", tmp_path)
    assert again is not None
    again.release()


def test_a_crashed_holder_does_not_block_the_next_start(tmp_path: Path) -> None:
    died = subprocess.run(
        [sys.executable, "-c", CLAIM_AND_DIE, str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
        env=os.environ | {"QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert died.returncode == -signal.SIGKILL and died.stdout.strip() == "held", died.stderr
    assert (tmp_path / "ssmgui-test.lock").exists()  # left behind, as after a crash
    assert (tmp_path / "ssmgui-test.socket").exists()
    started = time.monotonic()
    claim = SingleInstance.claim("ssmgui-test", tmp_path)
    assert claim is not None
    assert time.monotonic() - started < 2  # not the wait for an unanswering holder
    claim.release()


def test_each_home_and_the_demo_have_their_own_name(tmp_path: Path) -> None:
    names = {
        instance_name(demo=demo, home=home)
        for demo in (True, False)
        for home in (tmp_path / "a", tmp_path / "b")
    }
    assert len(names) == 4
    assert instance_name(demo=False, home=tmp_path / "a") == instance_name(
        demo=False, home=tmp_path / "x" / ".." / "a"
    )


# --- two real launches -----------------------------------------------------------------


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Xvfb + trayer, and an environment whose home and runtime folder are the test's."""
    xvfb, trayer = require("Xvfb"), require("trayer")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as announced:
        display = f":{announced.readline().strip()}"
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = os.environ | {
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    env.pop("WAYLAND_DISPLAY", None)
    tray_host = subprocess.Popen(
        [trayer, "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "200",
         "--height", "32", "--SetDockType", "true", "--transparent", "false"],
        env=env,
    )  # fmt: skip
    try:
        yield env
    finally:
        for process in (tray_host, server):
            process.terminate()
            process.wait(10)


def _visible_windows(env: dict[str, str], name: str) -> list[str]:
    found = subprocess.run(
        [require("xdotool"), "search", "--onlyvisible", "--name", name],
        env=env, capture_output=True, text=True, timeout=10, check=False,
    )  # fmt: skip
    return found.stdout.split()


def _wait_for(condition: Callable[[], object], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _socket_of(env: dict[str, str]) -> Path:
    name = instance_name(demo=True, home=Path(env["HOME"]))
    return Path(env["XDG_RUNTIME_DIR"]) / "ssmgui" / f"{name}.socket"


def _launch(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ssmgui", "--demo"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    return process.returncode


@pytest.mark.real_clients
@pytest.mark.slow
def test_a_second_launch_brings_the_window_forward_and_exits(desktop: dict[str, str]) -> None:
    socket = _socket_of(desktop)
    window_name = "ssmgui — instances"
    first = _launch(desktop)
    try:
        _wait_for(socket.exists)
        time.sleep(2.0)  # the tray icon is shown; the window stays hidden (there is a tray)
        assert first.poll() is None
        assert _visible_windows(desktop, window_name) == []

        started = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "ssmgui", "--demo"],
            env=desktop, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        seconds = time.monotonic() - started
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout
        _wait_for(lambda: _visible_windows(desktop, window_name), 10)
        print(f"second launch → first window shown: {seconds:.2f} s")
        window = _visible_windows(desktop, window_name)[0]
        wm_class = subprocess.run(
            ["xprop", "-id", window, "WM_CLASS"], env=desktop, capture_output=True, text=True,
            timeout=10, check=True,
        ).stdout  # fmt: skip
        assert wm_class.strip() == 'WM_CLASS(STRING) = "ssmgui", "ssmgui"'
        ARTIFACTS.mkdir(exist_ok=True)
        subprocess.run(
            ["import", "-window", "root", str(ARTIFACTS / "single_instance_shown.png")],
            env=desktop, timeout=30, check=False,
        )  # fmt: skip
    finally:
        assert _stop(first) == 0
    assert not socket.exists()  # a clean quit leaves nothing behind


@pytest.mark.real_clients
@pytest.mark.slow
def test_after_a_crash_the_next_launch_starts(desktop: dict[str, str]) -> None:
    socket = _socket_of(desktop)
    crashed = _launch(desktop)
    _wait_for(socket.exists)
    crashed.kill()
    crashed.communicate(timeout=30)
    assert socket.exists()  # left behind
    before = socket.stat().st_ino
    next_run = _launch(desktop)
    try:
        _wait_for(lambda: socket.exists() and socket.stat().st_ino != before)
        time.sleep(1.0)
        assert next_run.poll() is None  # it runs: not "already running"
    finally:
        assert _stop(next_run) == 0
