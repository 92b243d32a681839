"""A desktop whose keyring was never created: Xvfb, a private D-Bus session bus with a real
gnome-keyring-daemon on it, and gcr-prompter (started by the bus) showing its "Choose
password for new keyring" prompt on that X server, as on a fresh Linux desktop.

`start_x`, `start_bus` and `start_process` serve other private desktops too (the
notification test's). `KeyringPerson` is the person in front of it: a thread that waits
for each prompt and dismisses it with a click on Cancel, counting how often it had to.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PROGRAMS = ("Xvfb", "dbus-daemon", "gnome-keyring-daemon", "xdotool", "import")
PROMPTER = "/usr/libexec/gcr-prompter"


@dataclass(frozen=True)
class KeyringDesktop:
    env: dict[str, str]  # DISPLAY, the bus, and a private home for the app


def _require() -> None:
    missing = [name for name in PROGRAMS if shutil.which(name) is None]
    if not Path(PROMPTER).exists():
        missing.append(PROMPTER)
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"missing {missing}: scripts/check installs them in CI")
        pytest.skip(f"missing {missing}")


@contextmanager
def keyring_desktop(home: Path) -> Iterator[KeyringDesktop]:
    """The desktop above, everything stopped by pid on exit (never by name)."""
    _require()
    runtime, data = home / "run", home / "data"
    for folder in (runtime, data):
        folder.mkdir(mode=0o700, parents=True)
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime),
           "XDG_DATA_HOME": str(data), "NO_AT_BRIDGE": "1"}  # fmt: skip
    env.pop("WAYLAND_DISPLAY", None)
    with ExitStack() as stack:
        env["DISPLAY"] = start_x(stack)
        # The bus starts gcr-prompter with its own environment: it needs the display.
        env["DBUS_SESSION_BUS_ADDRESS"] = start_bus(stack, env)
        start_process(stack, ["gnome-keyring-daemon", "--foreground", "--components=secrets"], env)
        _wait_for_name(env, "org.freedesktop.secrets")
        yield KeyringDesktop(env)


def start_process(
    stack: ExitStack, argv: list[str], env: dict[str, str]
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.callback(_stop, process)
    return process


def _stop(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def start_x(stack: ExitStack) -> str:
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    stack.callback(_stop, server)
    os.close(write_fd)
    with os.fdopen(read_fd) as announced:
        number = announced.readline().strip()
    if not number:
        raise RuntimeError("Xvfb did not start")
    return f":{number}"


def start_bus(stack: ExitStack, env: dict[str, str]) -> str:
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    stack.callback(_stop, bus)
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    if not address:
        raise RuntimeError("dbus-daemon did not start")
    return address


def _wait_for_name(env: dict[str, str], name: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        listed = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
             "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"],
            env=env, capture_output=True, text=True, check=False, timeout=5,
        )  # fmt: skip
        if f'"{name}"' in listed.stdout:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{name} never appeared on the bus")


def prompt_windows(env: dict[str, str]) -> list[str]:
    """The keyring prompts on the screen now (gcr-prompter's visible windows)."""
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--class", "gcr-prompter"],
        env=env, capture_output=True, text=True, check=False, timeout=5,
    )  # fmt: skip
    return found.stdout.split()


def click_cancel(env: dict[str, str], window: str) -> None:
    """Cancel sits at the prompt's bottom right, left of Continue (GTK's layout)."""
    shape = subprocess.run(
        ["xdotool", "getwindowgeometry", "--shell", window],
        env=env, capture_output=True, text=True, check=True, timeout=5,
    )  # fmt: skip
    values = dict(line.split("=", 1) for line in shape.stdout.split())
    x = int(values["X"]) + int(values["WIDTH"]) - 136
    y = int(values["Y"]) + int(values["HEIGHT"]) - 20
    subprocess.run(
        ["xdotool", "mousemove", "--sync", str(x), str(y), "click", "1"],
        env=env, check=True, timeout=5,
    )  # fmt: skip


def screenshot(env: dict[str, str], path: Path) -> None:
    subprocess.run(["import", "-window", "root", str(path)], env=env, check=False, timeout=20)


@dataclass
class KeyringPerson:
    """Waits `patience` s at each prompt, then clicks Cancel; watches until `stop`."""

    env: dict[str, str]
    patience: float
    shots: Path | None = None
    cancelled: int = 0
    first_seen: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def join(self) -> None:
        self.stop.set()
        if self._thread is not None:
            self._thread.join(15)

    def _watch(self) -> None:
        while not self.stop.is_set():
            windows = prompt_windows(self.env)
            if not windows:
                time.sleep(0.1)
                continue
            self.first_seen.set()
            if self.shots is not None and self.cancelled == 0:
                screenshot(self.env, self.shots / "keyring-prompt.png")
            if self.stop.wait(self.patience):
                return
            click_cancel(self.env, windows[-1])
            self.cancelled += 1
            _wait_gone(self.env, windows[-1])


def _wait_gone(env: dict[str, str], window: str, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while window in prompt_windows(env) and time.monotonic() < deadline:
        time.sleep(0.05)
