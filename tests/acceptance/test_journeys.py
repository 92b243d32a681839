"""The acceptance journeys: the real app, driven as a person drives it (README.md).

Each test runs one journey (journeys/__init__.py) in its own app process on a private X
desktop — with a tray host, or without one for the journeys that say so — with a hard
time limit, and asserts the journey passed and the app exited 0, and that after the exit
none of the ports it listened on when the journey ended (or quit it) still listens.
Screenshots of every step are in artifacts/acceptance/<journey>/; each journey's figures
(the timings a person feels) are merged into artifacts/acceptance/timings.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance.desktop import Desktop, start_desktop
from tests.acceptance.journey_app import LAUNCHED_AT
from tests.acceptance.journeys import JOURNEYS

pytestmark = [pytest.mark.real_clients, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "acceptance"
CHILD_TIMEOUT_S = 90


@pytest.fixture(scope="module")
def tray_desktop() -> Iterator[Desktop]:
    with start_desktop(tray=True) as desktop:
        yield desktop


@pytest.fixture(scope="module")
def bare_desktop() -> Iterator[Desktop]:
    """A desktop with a window manager and no tray host (some Linux desktops)."""
    with start_desktop(tray=False) as desktop:
        yield desktop


@pytest.mark.parametrize("name", sorted(JOURNEYS))
def test_journey(name: str, request: pytest.FixtureRequest) -> None:
    journey = JOURNEYS[name]
    desktop: Desktop = request.getfixturevalue("tray_desktop" if journey.tray else "bare_desktop")
    report = run_journey(name, desktop)
    assert report["passed"], f"{name}: {report['error']}"
    assert report["app_exit"] == 0
    figures = report["figures"]
    assert isinstance(figures, dict)
    for port in figures.get("ports_closed_after_exit", []):
        assert not _listens(port), f"port {port} still listens after the app exited"
    _keep_timings(name, figures)


def run_journey(name: str, desktop: Desktop) -> dict[str, object]:
    """Run `python -m tests.acceptance.journey_app name` on `desktop`; its JSON report.
    Whatever the app left running in its process group is killed afterwards."""
    artifacts = ARTIFACTS / name
    env = desktop.env | {LAUNCHED_AT: repr(time.time()), "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.acceptance.journey_app", name, str(artifacts)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group: clients it started are found
    )  # fmt: skip
    try:
        out, err = child.communicate(timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        pytest.fail(f"{name} did not end within {CHILD_TIMEOUT_S} s; stderr: {err[-3000:]}")
    finally:
        _kill_group(child.pid)
    lines = out.strip().splitlines()
    assert lines, f"{name} reported nothing (exit {child.returncode}); stderr: {err[-3000:]}"
    report: dict[str, object] = json.loads(lines[-1])
    passed = report["passed"] and report["app_exit"] == 0
    assert bool(passed) == (child.returncode == 0), f"exit {child.returncode}; {err[-3000:]}"
    return report


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # nothing left
        os.killpg(pgid, signal.SIGKILL)


def _listens(port: object) -> bool:
    assert isinstance(port, int)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _keep_timings(name: str, figures: dict[str, object]) -> None:
    path = ARTIFACTS / "timings.json"
    try:
        timings = json.loads(path.read_text())
    except (OSError, ValueError):
        timings = {}
    timings[name] = {key: value for key, value in figures.items() if key.endswith("_s")}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(timings, indent=2, sort_keys=True) + "\n")
