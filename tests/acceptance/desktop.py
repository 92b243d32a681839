"""A private X desktop for the acceptance journeys: Xvfb, openbox, a tray host, a D-Bus bus.

`start_desktop(tray=True)` is a context manager that starts, in order, an X server
(`Xvfb -displayfd`, 1280x800x24), a private D-Bus session bus, the openbox window manager
(frames, focus, Alt+F4 as on a desktop) and, with `tray`, trayer as the system tray host
(XEmbed, top right). It waits until each is ready — the WM announced itself on the root
window, the tray host owns the tray selection — so the app started next finds them, and
yields a `Desktop` whose `env` a child process runs with. On exit everything is stopped by
pid, newest first; nothing is ever killed by name (the machine is shared).

`require(program)` skips a test when a program is missing, or fails it when `CI` is set
(scripts/check installs them there).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCREEN = "1280x800x24"
READY_TIMEOUT_S = 10.0
TRAYER_ARGS = (
    "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "200",
    "--height", "32", "--SetDockType", "true", "--transparent", "false", "--expand", "false",
)  # fmt: skip
# openbox's stock rc.xml, minus what would surprise a test: no desktop switching on the
# mouse wheel over the root window, one desktop. Alt+F4 closes, as on every desktop.
OPENBOX_RC = """<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <focus><focusNew>yes</focusNew><followMouse>no</followMouse></focus>
  <placement><policy>Smart</policy><center>yes</center></placement>
  <desktops><number>1</number></desktops>
  <keyboard>
    <keybind key="A-F4"><action name="Close"/></keybind>
  </keyboard>
  <mouse><context name="Frame"><mousebind button="A-Left" action="Drag">
    <action name="Move"/></mousebind></context></mouse>
</openbox_config>
"""


@dataclass(frozen=True)
class Desktop:
    """A running private desktop. `env` is os.environ with DISPLAY and the session bus."""

    display: str
    env: dict[str, str]
    tray: bool
    pids: tuple[int, ...]  # X server, bus, window manager, tray host: stopped on exit


def require(program: str) -> str:
    """The path of `program`; skips the test where it is missing (fails it in CI)."""
    path = shutil.which(program)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is missing: scripts/check installs it in CI")
        pytest.skip(f"{program} is not installed")
    return path


@contextmanager
def start_desktop(*, tray: bool) -> Iterator[Desktop]:
    """Xvfb + D-Bus + openbox (+ trayer when `tray`), stopped by pid on exit."""
    programs = ["Xvfb", "dbus-daemon", "openbox", "xprop", "xdotool", "import"]
    paths = {name: require(name) for name in [*programs, *(["trayer"] if tray else [])]}
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="ssmgui-desktop-") as tmp:
        started: list[subprocess.Popen[Any]] = []
        display = _start_x(paths["Xvfb"], stack, started)
        env = {**os.environ, "DISPLAY": display}
        env.pop("WAYLAND_DISPLAY", None)
        env["DBUS_SESSION_BUS_ADDRESS"] = _start_bus(paths["dbus-daemon"], stack, started)
        rc = Path(tmp) / "rc.xml"
        rc.write_text(OPENBOX_RC)
        wm_log = Path(tmp) / "openbox.log"
        argv = [paths["openbox"], "--sm-disable", "--config-file", str(rc)]
        started.append(_start(stack, argv, env, wm_log))
        _wait(lambda: _root_has(env, "_NET_SUPPORTING_WM_CHECK"), "openbox to start", wm_log)
        if tray:
            tray_log = Path(tmp) / "trayer.log"
            started.append(_start(stack, [paths["trayer"], *TRAYER_ARGS], env, tray_log))
            _wait(lambda: _tray_shown(env), "trayer to own the tray", tray_log)
        yield Desktop(display, env, tray, tuple(process.pid for process in started))


def _start(
    stack: ExitStack, argv: list[str], env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        process = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)
    stack.callback(_stop, process)
    return process


def _stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _start_x(xvfb: str, stack: ExitStack, started: list[subprocess.Popen[Any]]) -> str:
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", SCREEN, "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    stack.callback(_stop, server)
    started.append(server)
    os.close(write_fd)
    with os.fdopen(read_fd) as announced:
        number = announced.readline().strip()  # written once the server accepts clients
    if not number:
        raise RuntimeError("Xvfb did not start")
    return f":{number}"


def _start_bus(dbus_daemon: str, stack: ExitStack, started: list[subprocess.Popen[Any]]) -> str:
    bus = subprocess.Popen(
        [dbus_daemon, "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    stack.callback(_stop, bus)
    started.append(bus)
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    if not address:
        raise RuntimeError("dbus-daemon did not start")
    return address


def _root_has(env: dict[str, str], atom: str) -> bool:
    shown = subprocess.run(
        ["xprop", "-root", atom], env=env, capture_output=True, text=True, check=False
    )
    return "window id" in shown.stdout


def _tray_shown(env: dict[str, str]) -> bool:
    # The tray selection's owner is not a property; trayer's dock window appears once it
    # has taken the selection (it takes it before mapping), which xdotool can see.
    found = subprocess.run(
        ["xdotool", "search", "--classname", "trayer"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return bool(found.stdout.strip())


def _wait(ready: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not ready():
        if time.monotonic() > deadline:
            said = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"timed out waiting for {what}; it said: {said}")
        time.sleep(0.05)
