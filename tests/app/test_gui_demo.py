"""The whole GUI — controller, window, tray menu, MFA dialog, launcher — on the demo world.

Real parts throughout: the demo AWS on loopback, the identity service with the fake STS,
the inventory, native tunnels, and a real client process started by the launcher.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QPushButton

from ssmgui.app import controller_for
from ssmgui.app.services import AppServices, build_demo_services
from ssmgui.core.errors import SsoLoginRequiredError
from ssmgui.core.instance import Instance
from ssmgui.core.tunnel import TunnelKind, TunnelState
from ssmgui.demo.desktop.files import PROD, STAGING
from ssmgui.demo.desktop.sso import SSO_PROFILE
from ssmgui.demo.desktop.world import DemoDesktop
from ssmgui.services.identity.expiry import ExpiryMonitor, ExpiryWarning
from ssmgui.ui.controller import AppController, Notice
from ssmgui.ui.error_display import ErrorDoor
from ssmgui.ui.instance_model import startable, status_text
from ssmgui.ui.main_surface import MainSurface
from ssmgui.ui.mfa_dialog import MfaDialog
from ssmgui.ui.tray import TrayIcon, TrayMenu

RECORDER = Path(__file__).with_name("record_client.py")


@dataclass
class Gui:
    services: AppServices
    demo: DemoDesktop
    controller: AppController
    surface: MainSurface
    door: ErrorDoor
    record: Path

    def launches(self) -> list[dict[str, object]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]


def record_clients(services: AppServices, record: Path) -> None:
    """RDP and browser clients write a line to `record` (record_client.py) instead of
    starting."""
    client = f"{sys.executable} {RECORDER} {record}"
    services.settings.update(
        dataclasses.replace(
            services.settings.current,
            rdp_command=f"{client} {{file}} {{port}}",
            browser_command=f"{client} {{url}}",
        )
    )


@asynccontextmanager
async def demo_gui(tmp_path: Path) -> AsyncIterator[Gui]:
    """The composed app on the demo world, clients recorded instead of started."""
    services = await build_demo_services(lambda: None)
    assert services.demo is not None
    record = tmp_path / "launched.jsonl"
    record_clients(services, record)
    controller = controller_for(services)
    door = ErrorDoor(lambda: None, tmp_path / "ssmgui.log")
    controller.failed.connect(door.show_expected)
    surface = MainSurface(controller, quit_app=lambda: None)
    yield Gui(services, services.demo, controller, surface, door, record)
    await controller.stop_all()
    await services.close()
    surface.window.close()


@pytest.fixture
async def gui(tmp_path: Path) -> AsyncIterator[Gui]:
    async with demo_gui(tmp_path) as composed:
        yield composed


async def answer_mfa(code: str) -> MfaDialog:
    """Type `code` into the MFA dialog as a person would, once it shows."""
    async with asyncio.timeout(15):
        while True:
            shown = [
                w for w in QApplication.topLevelWidgets()
                if isinstance(w, MfaDialog) and w.isVisible()
            ]  # fmt: skip
            if shown:
                dialog = shown[0]
                QTest.keyClicks(dialog.code_edit, code)
                QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
                return dialog
            await asyncio.sleep(0.02)


async def refreshed(gui: Gui, *codes: str) -> list[MfaDialog]:
    refresh = asyncio.ensure_future(gui.controller.refresh())
    dialogs = [await answer_mfa(code) for code in codes]
    await asyncio.wait_for(refresh, 30)
    return dialogs


async def until(condition: object, timeout: float = 15) -> None:
    async with asyncio.timeout(timeout):
        while not callable(condition) or not condition():
            await asyncio.sleep(0.02)


async def test_refresh_fills_the_window_after_one_mfa_prompt(gui: Gui) -> None:
    await refreshed(gui, "123456")
    window = gui.surface.window
    expected = len(gui.controller.instances())
    assert expected > 300
    assert window.model.total() == expected
    regions = gui.controller.regions.values()
    assert {r.profile for r in regions} == {*gui.demo.profiles, SSO_PROFILE}
    assert all(r.error is None for r in regions if r.profile != SSO_PROFILE)
    # The IAM Identity Center profile waits for its browser sign-in, not an MFA code.
    waiting = [r for r in regions if r.profile == SSO_PROFILE]
    assert [type(r.error) for r in waiting] == [SsoLoginRequiredError]
    # demo-staging assumes a role through demo-prod's MFA session: one prompt served both.
    assert len(gui.services.prompt.asked) == 1


async def test_a_wrong_code_is_explained_and_asked_again(gui: Gui) -> None:
    await refreshed(gui, "000000", "123456")
    second = gui.services.prompt.asked[-1]
    assert second.attempt == 2
    assert second.problem is not None and "rejected" in second.problem.lower()
    assert gui.surface.window.model.total() > 300


@pytest.mark.slow
async def test_double_click_on_a_windows_row_opens_rdp_on_a_tunnel(gui: Gui) -> None:
    await refreshed(gui, "123456")
    gui.surface.open_window()
    window = gui.surface.window
    rdp_id = gui.demo.featured["demo-rdp"]
    window.filter_edit.setText(rdp_id)
    await until(lambda: window.model.rowCount() == 1)
    await asyncio.sleep(0.2)  # let the shown window lay out its rows
    rect = window.table.visualRect(window.model.index(0, 0))
    assert rect.isValid()
    QTest.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    await until(lambda: len(gui.launches()) == 1)
    (tunnel,) = gui.controller.tunnels.values()
    assert tunnel.state is TunnelState.READY and tunnel.spec.kind is TunnelKind.RDP
    launch = gui.launches()[0]
    assert f"full address:s:127.0.0.1:{tunnel.local_port}" in str(launch["rdp"])
    assert "username:s:Administrator" in str(launch["rdp"])
    await until(lambda: window.tunnels.model.rowCount() == 1)
    assert window.tunnels.model.snapshot_at(0).state is TunnelState.READY


async def test_connect_http_from_the_context_menu_opens_the_browser(gui: Gui) -> None:
    await refreshed(gui, "123456")
    web = next(
        i for i in gui.controller.instances() if i.instance_id == gui.demo.featured["demo-web"]
    )
    menu = gui.surface.window.instance_menu(web)
    action = next(a for a in menu.actions() if a.text() == "Connect: Web page (HTTP)")
    action.trigger()
    await until(lambda: len(gui.launches()) == 1)
    url = str(gui.launches()[0]["argv"][0])  # type: ignore[index]
    assert url.startswith("http://127.0.0.1:")
    page = await asyncio.to_thread(_fetch, url)
    assert "ssmgui" in page


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return str(answer.read().decode())


async def test_the_tray_menu_shows_profiles_tunnels_and_credentials(gui: Gui) -> None:
    await refreshed(gui, "123456")
    web = next(
        i for i in gui.controller.instances() if i.instance_id == gui.demo.featured["demo-web"]
    )
    await gui.controller.open_tunnel(web, TunnelKind.HTTP)
    menu = QMenu()
    TrayMenu(gui.controller, open_window=lambda: None, open_settings=lambda: None,
             quit_app=lambda: None, ask_custom_port=lambda _i: None).fill(menu)  # fmt: skip
    texts = _texts(menu)
    assert set(gui.demo.profiles) <= {t.split(":")[0] for t in texts} | set(texts)
    (tunnel,) = gui.controller.tunnels.values()
    assert f"{tunnel.spec.title} — ready" in texts  # its figures are in its submenu
    assert any(t.startswith(f"{tunnel.address} · ") for t in texts)
    assert any(t.startswith("demo-prod: expires in") for t in texts)
    assert {"Refresh", "Open window", "Settings…", "Quit (stops all tunnels)"} <= set(texts)


def _texts(menu: QMenu) -> list[str]:
    texts = []
    for action in menu.actions():
        texts.append(action.text())
        if action.menu() is not None:
            texts += _texts(action.menu())  # type: ignore[arg-type]
    return texts


async def test_offline_instance_reaches_the_error_door(gui: Gui) -> None:
    await refreshed(gui, "123456")
    offline = next(i for i in gui.controller.instances() if not i.online)
    await gui.controller.open_tunnel(offline, TunnelKind.SSH)
    assert any("not connected" in text for text in gui.door.shown)


async def test_connecting_to_a_stopped_instance_says_how_to_start_it(gui: Gui) -> None:
    await refreshed(gui, "123456")
    stopped_id = gui.demo.featured["demo-offline"]
    stopped = next(i for i in gui.controller.instances() if i.instance_id == stopped_id)
    await gui.controller.open_tunnel(stopped, TunnelKind.SSH)
    (told,) = gui.door.shown
    assert "is stopped, so it is not connected" in told and "Start and connect" in told
    assert not gui.demo.fleet.ssm[stopped.profile, stopped.region].sessions  # nothing asked


async def test_quit_stops_every_tunnel_and_session(gui: Gui) -> None:
    await refreshed(gui, "123456")
    featured = [gui.demo.featured["demo-web"], gui.demo.featured["demo-rdp"]]
    targets = [i for i in gui.controller.instances() if i.instance_id in featured]
    for instance in targets:
        await gui.controller.open_tunnel(instance, TunnelKind.HTTP)
    ports = [t.local_port for t in gui.controller.tunnels.values()]
    assert len(ports) == 2
    await gui.controller.stop_all()
    assert all(t.state is TunnelState.STOPPED for t in gui.controller.tunnels.values())
    live = [sid for fake in gui.demo.fleet.ssm.values() for sid in fake.live_session_ids()]
    assert live == []
    for port in ports:
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", port)


def expiring_soon(gui: Gui) -> list[ExpiryWarning]:
    """What the real expiry monitor says a minute before the demo MFA session ends."""
    ends = gui.services.identity.expires_at(PROD)
    assert ends is not None
    monitor = ExpiryMonitor(
        gui.services.identity, gui.controller.profile_names, lambda: ends - timedelta(minutes=1)
    )
    return monitor.due()


@pytest.mark.slow
async def test_an_expiry_notice_in_the_window_signs_in_again_in_one_click(gui: Gui) -> None:
    await refreshed(gui, "123456")
    window = gui.surface.window
    window.show()
    await asyncio.sleep(0.2)
    warnings = [w for w in expiring_soon(gui) if w.profile_name == PROD]
    assert warnings, "the monitor did not warn about demo-prod's MFA session"
    gui.controller.credentials_expiring(PROD, warnings[0].expires_at)
    bar = window.notice
    assert bar.isVisible()
    assert PROD in bar.text.text() and bar.action.text() == "Sign in…"
    QTest.mouseClick(bar.action, Qt.MouseButton.LeftButton)
    dialog = await answer_mfa("123456")
    assert dialog.request.profile_name == PROD
    assert not bar.isVisible()
    await until(lambda: len(gui.services.prompt.asked) == 2)
    await until(lambda: not gui.controller.credentials[PROD].needs_login)


@pytest.mark.slow
async def test_clicking_the_tray_notification_asks_for_the_mfa_code(gui: Gui) -> None:
    """The OS reports a click on our notification as QSystemTrayIcon.messageClicked: the
    click is the edge faked here; everything after it is real."""
    await refreshed(gui, "123456")
    menu = TrayMenu(
        gui.controller, open_window=gui.surface.open_window, open_settings=lambda: None,
        quit_app=lambda: None, ask_custom_port=lambda _instance: None,
    )  # fmt: skip
    tray = TrayIcon(gui.controller, menu, gui.surface.window)
    gui.controller.notify.emit(Notice("web: tunnel ready", "Ready on 127.0.0.1:8080."))
    tray.icon.messageClicked.emit()
    await until(gui.surface.window.isVisible)
    assert len(gui.services.prompt.asked) == 1  # a tunnel notice only opens the window
    [warning] = [w for w in expiring_soon(gui) if w.profile_name == PROD]
    gui.controller.credentials_expiring(PROD, warning.expires_at)
    tray.icon.messageClicked.emit()
    dialog = await answer_mfa("123456")
    assert dialog.request.profile_name == PROD
    await until(lambda: len(gui.services.prompt.asked) == 2)


async def test_the_demo_offers_to_renew_its_session_about_a_minute_after_sign_in(gui: Gui) -> None:
    """A newcomer should see the renewal notice during the demo, not hours later."""
    await refreshed(gui, "123456")

    def warned_at(later: timedelta) -> set[str]:
        clock = lambda: datetime.now(UTC) + later  # noqa: E731
        monitor = ExpiryMonitor(gui.services.identity, gui.controller.profile_names, clock)
        return {warning.profile_name for warning in monitor.due()}

    assert PROD not in warned_at(timedelta(seconds=0))
    assert PROD in warned_at(timedelta(seconds=75))


async def test_choosing_profiles_in_the_settings_applies_at_once(gui: Gui) -> None:
    """Unchosen profiles leave the table and the region lines; chosen again, they are listed
    again without a restart."""
    await refreshed(gui, "123456")
    window = gui.surface.window
    every = window.model.total()
    gui.controller.save_settings(dataclasses.replace(gui.controller.settings, profiles=(PROD,)))
    await until(lambda: window.model.total() < every)
    shown = {window.model.instance_at(row).profile for row in range(window.model.rowCount())}
    assert shown == {PROD}
    assert all(profile == PROD for profile, _ in gui.controller.regions)
    assert all(status.startswith(PROD) for status in window.regions.problem_texts())
    assert "in 3 regions" in window.regions.summary.text()
    gui.controller.save_settings(dataclasses.replace(gui.controller.settings, profiles=()))
    await until(lambda: window.model.total() == every)
    assert len(gui.services.prompt.asked) == 1  # the MFA session was still good


async def test_identity_settings_apply_without_a_restart(gui: Gui) -> None:
    chosen = dataclasses.replace(gui.controller.settings, mfa_duration_s=3_600,
                                 expiry_warning_s=1_200)  # fmt: skip
    gui.controller.save_settings(chosen)
    assert gui.services.identity.settings.session_seconds == 3_600
    assert gui.services.identity.settings.warn_before == timedelta(seconds=1_200)


@pytest.mark.slow
async def test_profiles_expiring_together_are_renewed_from_one_bar(gui: Gui) -> None:
    """demo-staging signs in through demo-prod's MFA session: both warn at once, the bar
    names both, and one click renews both with one MFA code."""
    await refreshed(gui, "123456")
    window = gui.surface.window
    window.show()
    await asyncio.sleep(0.2)
    warnings = {w.profile_name: w for w in expiring_soon(gui)}
    assert {PROD, STAGING} <= set(warnings)
    for warning in warnings.values():
        gui.controller.credentials_expiring(warning.profile_name, warning.expires_at)
    text = window.notice.text.text()
    assert PROD in text and STAGING in text
    signed_in: list[bool] = []
    gui.controller.credentials_changed.connect(lambda: signed_in.append(True))
    sessions_before = gui.demo.sts.calls.get("GetSessionToken", 0)
    QTest.mouseClick(window.notice.action, Qt.MouseButton.LeftButton)
    await answer_mfa("123456")
    await until(lambda: bool(signed_in))  # the sign-ins are done: credentials re-read
    assert len(gui.services.prompt.asked) == 2  # the first refresh's code, and this one
    assert gui.demo.sts.calls["GetSessionToken"] == sessions_before + 1
    assert not any(gui.controller.credentials[p].needs_login for p in warnings)


@pytest.mark.slow
async def test_connect_ssh_pushes_a_key_for_the_run_and_hands_it_to_ssh(gui: Gui) -> None:
    """'Push a temporary key' on: Connect SSH pushes the run's key for the SSH user with EC2
    Instance Connect just before the terminal opens, and ssh is given that key only."""
    settings = gui.services.settings
    client = f"{sys.executable} {RECORDER} {gui.record}"
    settings.update(
        dataclasses.replace(
            settings.current, ssh_push_key=True, terminal_command=f"{client} {{command}}"
        )
    )
    await refreshed(gui, "123456")
    ssh_id = gui.demo.featured["demo-ssh"]
    target = next(i for i in gui.controller.instances() if i.instance_id == ssh_id)
    menu = gui.surface.window.instance_menu(target)
    next(a for a in menu.actions() if a.text().startswith("Connect: SSH")).trigger()
    await until(lambda: len(gui.launches()) == 1)
    argv = [str(arg) for arg in gui.launches()[0]["argv"]]  # type: ignore[attr-defined]
    key_file = Path(argv[argv.index("-i") + 1])
    assert argv[argv.index("-i") + 2 : argv.index("-i") + 4] == ["-o", "IdentitiesOnly=yes"]
    assert argv[-1] == "ec2-user@127.0.0.1"
    fake = gui.demo.fleet.ssm[target.profile, target.region]
    (pushed,) = fake.instance_connect.active_keys(ssh_id, "ec2-user")
    derived = await asyncio.create_subprocess_exec(
        "ssh-keygen", "-y", "-f", str(key_file), stdout=asyncio.subprocess.PIPE
    )
    public, _ = await derived.communicate()
    assert public.split()[:2] == pushed.encode().split()[:2]
    assert gui.services.pushed_keys is not None
    gui.services.pushed_keys.close()  # as on quit (AppServices' closers)
    assert not key_file.exists()


@pytest.mark.slow
async def test_start_and_connect_starts_a_stopped_instance_then_opens_the_connection(
    gui: Gui,
) -> None:
    """demo-offline is stopped in EC2: its row says Stopped, and "Start and connect" starts
    it, shows the start's progress, and opens the page once Session Manager has it online."""
    await refreshed(gui, "123456")
    stopped_id = gui.demo.featured["demo-offline"]
    stopped = next(i for i in gui.controller.instances() if i.instance_id == stopped_id)
    assert status_text(stopped) == "Stopped"
    menu = gui.surface.window.instance_menu(stopped)
    start = next(a for a in menu.actions() if a.text() == "Start and connect: Web page (HTTP)")
    start.trigger()
    dialog = gui.surface.starts.dialogs[stopped_id]
    assert dialog.isVisible()
    ec2 = gui.demo.fleet.ec2[stopped.profile, stopped.region].instances[stopped_id]
    ssm = gui.demo.fleet.ssm[stopped.profile, stopped.region].instances[stopped_id]
    await until(lambda: ec2.state == "pending")
    assert "pending" in dialog.labelText()
    await until(lambda: len(gui.launches()) == 1, timeout=30)
    assert ec2.state == "running" and ssm.online
    assert stopped_id not in gui.surface.starts.dialogs
    url = str(gui.launches()[0]["argv"][0])  # type: ignore[index]
    assert url.startswith("http://127.0.0.1:")
    (tunnel,) = gui.controller.tunnels.values()
    assert tunnel.spec.instance_id == stopped_id
    # The refresh after the start lists it online.
    await until(lambda: any(i.instance_id == stopped_id and i.online
                            for i in gui.controller.instances()))  # fmt: skip


@pytest.mark.slow
async def test_cancel_stops_waiting_for_a_start_and_says_ec2_goes_on(gui: Gui) -> None:
    await refreshed(gui, "123456")
    stopped = next(i for i in gui.controller.instances() if startable(i))
    notices: list[Notice] = []
    gui.controller.notify.connect(notices.append)
    gui.surface.starts.request(stopped, TunnelKind.SSH)
    dialog = gui.surface.starts.dialogs[stopped.instance_id]
    await until(lambda: "…" in dialog.labelText() and "Starting" not in dialog.labelText())
    cancel = dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    QTest.mouseClick(cancel, Qt.MouseButton.LeftButton)
    await until(lambda: bool(notices))
    assert "EC2 goes on starting it" in notices[-1].message
    assert stopped.instance_id not in gui.surface.starts.dialogs
    assert gui.launches() == []


async def test_the_tray_offers_start_and_connect_for_a_stopped_instance(gui: Gui) -> None:
    await refreshed(gui, "123456")
    asked: list[tuple[str, TunnelKind]] = []
    menu = QMenu()

    def start(instance: Instance, kind: TunnelKind) -> None:
        asked.append((instance.instance_id, kind))

    TrayMenu(gui.controller, open_window=lambda: None, open_settings=lambda: None,
             quit_app=lambda: None, ask_custom_port=lambda _i: None,
             start_and_connect=start).fill(menu)  # fmt: skip
    stopped_id = gui.demo.featured["demo-offline"]
    entry = next(a for a in _all_actions(menu) if a.menu() is not None and stopped_id in a.text())
    assert entry.isEnabled()
    submenu = entry.menu()
    assert isinstance(submenu, QMenu)
    entry = next(a for a in submenu.actions() if a.text().startswith("Start and connect SSH"))
    entry.trigger()
    assert asked == [(stopped_id, TunnelKind.SSH)]


def _all_actions(menu: QMenu) -> list[QAction]:
    found = []
    for action in menu.actions():
        found.append(action)
        if isinstance(action.menu(), QMenu):
            found += _all_actions(action.menu())  # type: ignore[arg-type]
    return found
