"""The journeys' private desktop starts what it promises and leaves nothing running."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.acceptance.desktop import start_desktop

pytestmark = [pytest.mark.real_clients, pytest.mark.slow]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers signal 0: the desktop must have waited for its children.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


@pytest.mark.parametrize("tray", [True, False])
def test_the_desktop_has_a_window_manager_and_a_tray_host_when_asked(tray: bool) -> None:
    with start_desktop(tray=tray) as desktop:
        pids = desktop.pids
        assert len(pids) == (4 if tray else 3)  # Xvfb, dbus-daemon, openbox (+ trayer)
        assert all(_alive(pid) for pid in pids)
        wm = subprocess.run(
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
            env=desktop.env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert "window id" in wm.stdout
        tray_host = subprocess.run(
            ["xdotool", "search", "--classname", "trayer"],
            env=desktop.env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert bool(tray_host.stdout.strip()) is tray
        assert desktop.env["DBUS_SESSION_BUS_ADDRESS"].startswith("unix:")
    assert not any(_alive(pid) for pid in pids)
