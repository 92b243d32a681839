"""Notices reach the desktop's notification service, and a click on one signs in.

A private desktop: Xvfb, a private D-Bus session bus, and the real notification-daemon on
it (org.freedesktop.Notifications, with actions). The app is the composed demo app in this
process, its window offscreen, no tray: before, such notices went only to a tray balloon
(or, with no tray, the status bar) and never reached the notification centre.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from ssmgui.app import controller_for
from ssmgui.app.services import build_demo_services
from ssmgui.demo.desktop.files import PROD
from ssmgui.ui.controller import Notice
from ssmgui.ui.desktop_notifications import CALL_LIMIT_S, DesktopNotifications
from ssmgui.ui.main_surface import MainSurface
from ssmgui.ui.mfa_dialog import MfaDialog
from tests.app.secret_service_desktop import screenshot, start_bus, start_process, start_x
from tests.app.test_gui_demo import until

pytestmark = [pytest.mark.real_clients, pytest.mark.slow]

DAEMON = "/usr/lib/notification-daemon/notification-daemon"


@dataclass
class NotifyingDesktop:
    env: dict[str, str]
    monitor_log: Path

    def seen(self) -> str:
        """What dbus-monitor saw of the notification interface so far."""
        return self.monitor_log.read_text(errors="replace")

    def bubbles(self) -> list[str]:
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--class", "notification-daemon"],
            env=self.env, capture_output=True, text=True, check=False, timeout=5,
        )  # fmt: skip
        return found.stdout.split()


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[NotifyingDesktop]:
    for program in ("Xvfb", "dbus-daemon", "dbus-monitor", "xdotool", DAEMON):
        if not (Path(program).exists() or _which(program)):
            if os.environ.get("CI"):
                pytest.fail(f"{program} is missing: scripts/check installs it in CI")
            pytest.skip(f"{program} is not installed")
    env = {**os.environ, "NO_AT_BRIDGE": "1"}
    env.pop("WAYLAND_DISPLAY", None)
    with ExitStack() as stack:
        env["DISPLAY"] = start_x(stack)
        env["DBUS_SESSION_BUS_ADDRESS"] = start_bus(stack, env)
        start_process(stack, [DAEMON], env)
        monitor_log = tmp_path / "dbus-monitor.txt"
        with monitor_log.open("w") as sink:
            monitor = subprocess.Popen(
                ["dbus-monitor", "--session", "interface='org.freedesktop.Notifications'"],
                env=env, stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip
        stack.callback(_terminate, monitor)
        _wait_for_owner(env, "org.freedesktop.Notifications")
        yield NotifyingDesktop(env, monitor_log)


@pytest.fixture
async def app_on(
    desktop: NotifyingDesktop, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MainSurface]:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.env["DBUS_SESSION_BUS_ADDRESS"])
    services = await build_demo_services(lambda: None)
    controller = controller_for(services)
    surface = MainSurface(controller, quit_app=lambda: None)
    surface.show()  # as the app does: this also connects to the notification service
    yield surface
    services.prompt.close()
    surface.close()
    await controller.close()
    await services.close()


async def test_a_notice_reaches_the_service_and_a_click_signs_in(
    desktop: NotifyingDesktop, app_on: MainSurface, tmp_path: Path
) -> None:
    surface = app_on
    await until(lambda: surface.notifications.connected, 10)
    assert surface.tray is None  # offscreen: the window is the main surface
    notice = Notice(
        f"{PROD}: credentials expire at 12:00",
        "Click to sign in again (MFA) and keep tunnels running.",
        sign_in=PROD,
    )
    surface._controller.notify.emit(notice)  # as the expiry monitor tells it
    await until(lambda: f'string "{notice.title}"' in desktop.seen(), 10)
    seen = desktop.seen()
    assert f'string "{notice.message}"' in seen
    assert 'string "Sign in…"' in seen  # the action the server shows
    assert "uint32 0" in seen  # replaces_id: GDBus servers refuse an int32 (QtDBus sends one)
    await until(lambda: bool(desktop.bubbles()), 10)
    screenshot(desktop.env, tmp_path / "notification.png")

    # A click on the bubble: the server's "default" action, so the sign-in starts.
    bubble = desktop.bubbles()[-1]
    subprocess.run(
        ["xdotool", "mousemove", "--window", bubble, "30", "30", "click", "1"],
        env=desktop.env, check=True, timeout=5,
    )  # fmt: skip
    await until(lambda: "ActionInvoked" in desktop.seen(), 10)
    # Only a notice the server took (its id came back) is answered: the MFA dialog shows.
    await until(lambda: _mfa_dialog() is not None, 10)
    dialog = _mfa_dialog()
    assert dialog is not None and dialog.request.profile_name == PROD
    dialog.reject()


def _mfa_dialog() -> MfaDialog | None:
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MfaDialog)]
    return next((w for w in shown if w.isVisible()), None)


def _which(program: str) -> bool:
    import shutil

    return shutil.which(program) is not None


def _terminate(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(5)


def _wait_for_owner(env: dict[str, str], name: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        asked = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
             "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
            env=env, capture_output=True, text=True, check=False, timeout=5,
        )  # fmt: skip
        if "boolean true" in asked.stdout:
            return
        time.sleep(0.05)
    raise RuntimeError(f"nobody owns {name}")


async def test_without_the_service_the_tray_is_told_no_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bus nobody serves notifications on, then no bus at all: `start` says False within
    its time limit, so the tray's balloons (or the window) keep telling notices."""
    if not _which("dbus-daemon"):
        pytest.skip("dbus-daemon is not installed")
    with ExitStack() as stack:
        bus = start_bus(stack, dict(os.environ))
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus)
        notifications = DesktopNotifications(on_click=lambda _notice: None)
        started = time.monotonic()
        assert await notifications.start() is False
        assert time.monotonic() - started < CALL_LIMIT_S + 0.5
        assert await notifications.show(Notice("title", "text")) is False
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    assert await DesktopNotifications(on_click=lambda _notice: None).start() is False
