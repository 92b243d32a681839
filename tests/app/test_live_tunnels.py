"""Live tunnels as a person sees them in the composed app on the demo world: rows that
appear, figures that move while real bytes flow (and stand still while nobody looks), a
client's exit on its row, one tunnel per instance and kind, and finished rows cleared.

Real parts throughout: the demo AWS on loopback, native tunnels, the echo target behind
demo-rdp, client processes started by the real launcher; assertions read the cells of the
visible table, the tab title and the tray menu's texts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QToolButton, QWidget

from ssmgui.app import controller_for
from ssmgui.app.services import AppServices, build_demo_services
from ssmgui.core.instance import Instance
from ssmgui.core.settings import Favourite
from ssmgui.core.tunnel import TunnelKind, spec_for
from ssmgui.demo.desktop.world import DemoDesktop
from ssmgui.ui.controller import AppController, Notice
from ssmgui.ui.main_surface import MainSurface
from ssmgui.ui.mfa_dialog import MfaDialog
from ssmgui.ui.tray import TrayIcon, TrayMenu
from ssmgui.ui.tunnels_model import TunnelColumn
from tests.app.test_gui_demo import record_clients

CHUNK = 64 * 1024


@dataclass
class App:
    services: AppServices
    demo: DemoDesktop
    controller: AppController
    surface: MainSurface
    record: Path
    notices: list[Notice]

    def launches(self) -> list[dict[str, object]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def instance(self, name: str) -> Instance:
        wanted = self.demo.featured[name]
        return next(i for i in self.controller.instances() if i.instance_id == wanted)

    def cell(self, row: int, column: TunnelColumn) -> str:
        """The text of a cell of the Tunnels table, which must be on the screen."""
        table = self.surface.window.tunnels.table
        assert table.isVisible(), "the Tunnels table is not on the screen"
        return str(table.model().data(table.model().index(row, column)))


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    services = await build_demo_services(lambda: None)
    assert services.demo is not None
    record = tmp_path / "launched.jsonl"
    record_clients(services, record)
    controller = controller_for(services)
    notices: list[Notice] = []
    controller.notify.connect(notices.append)
    surface = MainSurface(controller, quit_app=lambda: None)
    yield App(services, services.demo, controller, surface, record, notices)
    await controller.close()
    await services.close()
    surface.window.close()


async def until(condition: object, timeout: float = 15) -> None:
    async with asyncio.timeout(timeout):
        while not callable(condition) or not condition():
            await asyncio.sleep(0.02)


async def signed_in(app: App) -> None:
    """A refresh, with the demo's MFA code typed into the dialog as a person would."""
    refresh = asyncio.ensure_future(app.controller.refresh())
    async with asyncio.timeout(15):
        while True:
            shown = [w for w in QApplication.topLevelWidgets()
                     if isinstance(w, MfaDialog) and w.isVisible()]  # fmt: skip
            if shown:
                QTest.keyClicks(shown[0].code_edit, "123456")
                QTest.mouseClick(shown[0].ok_button, Qt.MouseButton.LeftButton)
                break
            await asyncio.sleep(0.02)
    await asyncio.wait_for(refresh, 30)


async def show_tunnels_tab(app: App) -> None:
    window = app.surface.window
    app.surface.open_window()
    click_tab(window.tabs.tabBar(), 1)
    await until(window.tunnels.isVisible)


def click_tab(bar: QWidget, index: int) -> None:
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())  # type: ignore[attr-defined]


async def echo_through(port: int, chunks: int, pause_s: float = 0.0) -> None:
    """`chunks` × 64 KiB through the tunnel to demo-rdp's echo target and back."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(chunks):
            writer.write(os.urandom(CHUNK))
            await writer.drain()
            await reader.readexactly(CHUNK)
            await asyncio.sleep(pause_s)
    finally:
        writer.close()


@pytest.mark.slow
async def test_figures_move_while_bytes_flow_and_stand_still_while_nobody_looks(app: App) -> None:
    await signed_in(app)
    await show_tunnels_tab(app)
    window = app.surface.window
    await app.controller.open_tunnel(app.instance("demo-rdp"), TunnelKind.RDP)
    (tunnel,) = app.controller.tunnels.values()
    assert window.tabs.tabText(1) == "Tunnels (1)"
    assert not window.tunnels.empty_label.isVisible()
    assert app.cell(0, TunnelColumn.STATE) == "Ready"

    flowing = asyncio.ensure_future(echo_through(tunnel.local_port, 40, pause_s=0.05))
    await until(lambda: app.cell(0, TunnelColumn.UP) != "0 B", timeout=5)
    await until(lambda: "1 open" in app.cell(0, TunnelColumn.CONNECTIONS), timeout=5)
    await until(lambda: app.cell(0, TunnelColumn.RATE) not in ("—", "↑0 B/s ↓0 B/s"), 5)
    assert app.cell(0, TunnelColumn.RATE).endswith("/s")
    await flowing
    await until(lambda: app.cell(0, TunnelColumn.UP) == "2.5 MB", timeout=5)
    assert app.cell(0, TunnelColumn.DOWN) == "2.5 MB"
    await until(lambda: app.cell(0, TunnelColumn.CONNECTIONS) == "0 open · 1 total", 5)
    assert app.cell(0, TunnelColumn.UPTIME).endswith(" s")

    click_tab(window.tabs.tabBar(), 0)  # nobody looks at the tunnels: no polling
    assert not app.surface.ticker.is_running()
    await echo_through(tunnel.local_port, 16)
    await asyncio.sleep(1.5)
    model = window.tunnels.model
    assert model.data(model.index(0, TunnelColumn.UP)) == "2.5 MB"
    click_tab(window.tabs.tabBar(), 1)  # fresh figures the moment the tab shows
    assert app.surface.ticker.is_running()
    assert app.cell(0, TunnelColumn.UP) == "3.5 MB"


def exiting_terminal(tmp_path: Path, status: int) -> str:
    """A terminal command whose program exits with `status` at once, as a terminal does
    when the ssh inside it fails (the settings' {command} is filled in after it)."""
    program = tmp_path / "fake-terminal"
    program.write_text(f"#!/bin/sh\nexit {status}\n")
    program.chmod(0o700)
    return f"{program} {{command}}"


async def double_click_row(app: App, instance: Instance) -> None:
    window = app.surface.window
    click_tab(window.tabs.tabBar(), 0)
    window.filter_edit.setText(instance.instance_id)
    await until(lambda: window.model.rowCount() == 1)
    await asyncio.sleep(0.1)  # the shown table lays its rows out
    rect = window.table.visualRect(window.model.index(0, 0))
    # A person's double-click: a press and release, then the second press (Qt's double-click).
    QTest.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


@pytest.mark.slow
async def test_a_second_double_click_opens_the_client_again_on_the_same_tunnel(
    app: App,
) -> None:
    await signed_in(app)
    app.surface.open_window()
    rdp = app.instance("demo-rdp")
    await double_click_row(app, rdp)
    await until(lambda: len(app.launches()) == 1)
    await double_click_row(app, rdp)
    await until(lambda: len(app.launches()) == 2)
    (tunnel,) = app.controller.tunnels.values()  # no duplicate on a new port
    ports = {str(launch["argv"][1]) for launch in app.launches()}  # type: ignore[index]
    assert ports == {str(tunnel.local_port)}
    await show_tunnels_tab(app)
    assert app.surface.window.tunnels.model.rowCount() == 1
    # The stand-in RDP client exits at once with status 0: the row says so.
    await until(lambda: app.cell(0, TunnelColumn.CLIENT).endswith("closed normally"))
    assert app.cell(0, TunnelColumn.STATE) == "Ready"  # the option is off: the tunnel stays


@pytest.mark.slow
async def test_a_client_that_exits_shows_its_status_and_can_close_its_tunnel(
    app: App, tmp_path: Path
) -> None:
    await signed_in(app)
    settings = app.services.settings
    terminal = exiting_terminal(tmp_path, 255)
    settings.update(dataclasses.replace(settings.current, terminal_command=terminal))
    await show_tunnels_tab(app)
    ssh = app.instance("demo-ssh")
    await app.controller.open_tunnel(ssh, TunnelKind.SSH)
    await until(lambda: "exited" in app.cell(0, TunnelColumn.CLIENT))
    assert app.cell(0, TunnelColumn.CLIENT) == "fake-terminal exited with status 255"
    assert app.cell(0, TunnelColumn.STATE) == "Ready"
    assert any("status 255" in notice.message for notice in app.notices)

    settings.update(dataclasses.replace(settings.current, close_tunnel_with_client=True))
    await app.controller.open_tunnel(ssh, TunnelKind.SSH)  # its client again, same tunnel
    await until(lambda: app.cell(0, TunnelColumn.STATE) == "Stopped")
    assert app.surface.window.tunnels.model.rowCount() == 1
    assert app.surface.window.tabs.tabText(1) == "Tunnels"


async def test_a_failed_tunnel_shows_no_address_and_is_cleared_with_a_click(app: App) -> None:
    await signed_in(app)
    await show_tunnels_tab(app)
    window = app.surface.window
    # Offline with no EC2 state to tell (as a hybrid node): the tunnel is tried, and fails.
    # (A stopped one is told to be started before any tunnel: test_gui_demo.)
    offline = dataclasses.replace(app.instance("demo-offline"), state="")
    await app.controller.open_tunnel(offline, TunnelKind.SSH)
    assert app.cell(0, TunnelColumn.STATE) == "Failed"
    assert app.cell(0, TunnelColumn.ADDRESS) == "—"
    menu = QMenu()
    TrayMenu(app.controller, open_window=lambda: None, open_settings=lambda: None,
             quit_app=lambda: None, ask_custom_port=lambda _i: None).fill(menu)  # fmt: skip
    texts = menu_texts(menu)
    assert not any("127.0.0.1:0" in text for text in texts)
    assert "Clear finished tunnels" in texts

    toolbar_button = button_of(window.tunnels, window.tunnels.clear_action.text())
    QTest.mouseClick(toolbar_button, Qt.MouseButton.LeftButton)
    await until(window.tunnels.empty_label.isVisible)
    assert app.controller.tunnels == {}
    assert app.services.tunnels.snapshots() == []


async def test_a_custom_tunnel_offers_no_client_in_the_tray(app: App) -> None:
    await signed_in(app)
    await app.controller.connect_custom(app.instance("demo-files"), 9000)
    menu = QMenu()
    TrayMenu(app.controller, open_window=lambda: None, open_settings=lambda: None,
             quit_app=lambda: None, ask_custom_port=lambda _i: None).fill(menu)  # fmt: skip
    texts = menu_texts(menu)
    assert "Tunnels: 1 open" in texts
    assert "Copy address" in texts and "Open client" not in texts


def menu_texts(menu: QMenu) -> list[str]:
    texts = []
    for action in menu.actions():
        texts.append(action.text())
        if action.menu() is not None:
            texts += menu_texts(action.menu())  # type: ignore[arg-type]
    return texts


def button_of(widget: QWidget, text: str) -> QWidget:
    """The visible tool button showing `text` inside `widget`."""
    buttons = [b for b in widget.findChildren(QToolButton) if b.text() == text and b.isVisible()]
    assert len(buttons) == 1, f"no single visible {text!r} button"
    return buttons[0]


async def test_the_tray_counts_tunnels_and_retitles_them_while_its_menu_is_open(app: App) -> None:
    await signed_in(app)
    builder = TrayMenu(app.controller, open_window=lambda: None, open_settings=lambda: None,
                       quit_app=lambda: None, ask_custom_port=lambda _i: None)  # fmt: skip
    tray = TrayIcon(app.controller, builder, app.surface.window)
    assert tray.icon.toolTip() == "ssmgui — no tunnels"
    await app.controller.open_tunnel(app.instance("demo-rdp"), TunnelKind.RDP)
    (tunnel,) = app.controller.tunnels.values()
    assert tray.icon.toolTip() == "ssmgui — 1 tunnel open (active)"
    builder.fill(tray.menu)
    entry = next(a for a in tray.menu.actions() if tunnel.spec.title in a.text())
    assert entry.text() == f"{tunnel.spec.title} — ready"  # short: figures in its submenu
    traffic, facts = entry.menu().actions()[:2]  # type: ignore[attr-defined]
    assert traffic.text() == f"{tunnel.address} · ↑0 B ↓0 B"
    assert facts.text().startswith("0 open · 0 total")
    await echo_through(tunnel.local_port, 16)
    app.controller.poll_tunnels()  # what the ticker does each second while the menu shows
    assert traffic.text().endswith("↑1.0 MB ↓1.0 MB")
    assert "MB/s" in facts.text() and "· 1 total" in facts.text()
    assert entry.text() == f"{tunnel.spec.title} — ready"


async def test_the_tray_menu_stays_narrow_with_long_tunnel_titles(app: App) -> None:
    """A tunnel's entry made the tray menu ~640 px wide (title, address, state and bytes on
    one line); a long name and a long client error pushed it off the screen."""
    await signed_in(app)
    settings = app.services.settings
    missing = "/nonexistent/" + "a-remote-desktop-program-with-a-long-name-" * 3
    settings.update(dataclasses.replace(settings.current, rdp_command=f"{missing} {{file}}"))
    builder = TrayMenu(app.controller, open_window=lambda: None, open_settings=lambda: None,
                       quit_app=lambda: None, ask_custom_port=lambda _i: None)  # fmt: skip
    tray = TrayIcon(app.controller, builder, app.surface.window)
    builder.fill(tray.menu)
    without = tray.menu.sizeHint().width()
    rdp = app.instance("demo-rdp")
    spec = spec_for(rdp.profile, rdp.region, rdp.instance_id, TunnelKind.CUSTOM, 3389)
    await app.controller.open_favourite(Favourite("a favourite with a long name " * 5, spec))
    await app.controller.open_tunnel(rdp, TunnelKind.RDP)  # its client cannot start
    builder.fill(tray.menu)
    submenus = [a.menu() for a in tray.menu.actions() if " — " in a.text()]
    widest = max(m.sizeHint().width() for m in submenus if isinstance(m, QMenu))
    assert tray.menu.sizeHint().width() <= max(without, 450)
    assert widest <= 520


async def test_a_stopped_tunnel_has_no_open_connection_and_says_how_long_it_was_up(
    app: App,
) -> None:
    """It read "1 open · 2 total" and "Up for 0 s" after Stop, with a client still connected
    when the person stopped it."""
    await signed_in(app)
    await show_tunnels_tab(app)
    await app.controller.open_tunnel(app.instance("demo-rdp"), TunnelKind.RDP)
    (tunnel,) = app.controller.tunnels.values()
    _reader, writer = await asyncio.open_connection("127.0.0.1", tunnel.local_port)
    try:
        app.controller.poll_tunnels()
        await until(lambda: "1 open" in app.cell(0, TunnelColumn.CONNECTIONS), timeout=5)
        await asyncio.sleep(0.3)  # up long enough to read in tenths of a second
        await app.controller.stop_tunnel(tunnel.tunnel_id)
    finally:
        writer.close()
    assert app.cell(0, TunnelColumn.STATE) == "Stopped"
    assert app.cell(0, TunnelColumn.CONNECTIONS) == "0 open · 1 total"
    uptime = app.cell(0, TunnelColumn.UPTIME)
    assert uptime.endswith(" s") and float(uptime.removesuffix(" s")) >= 0.3, uptime


async def test_a_client_that_cannot_start_says_its_error_alone_and_its_tunnel_stays(
    app: App, tmp_path: Path
) -> None:
    """A missing RDP program showed "Ready on 127.0.0.1:…" beside "RDP program not found".
    Now: the error alone; the tunnel stays, its row says the client did not start, and once
    the setting is fixed "Open again" starts it on the same tunnel."""
    await signed_in(app)
    settings = app.services.settings
    working = settings.current.rdp_command
    missing = f"{tmp_path / 'no-such-rdp'} {{file}}"
    settings.update(dataclasses.replace(settings.current, rdp_command=missing))
    errors: list[str] = []
    app.controller.failed.connect(lambda error: errors.append(error.user_message))
    await show_tunnels_tab(app)
    await app.controller.open_tunnel(app.instance("demo-rdp"), TunnelKind.RDP)
    assert len(errors) == 1 and "no-such-rdp" in errors[0]
    assert not any("Ready on" in notice.message for notice in app.notices), app.notices
    assert app.cell(0, TunnelColumn.STATE) == "Ready"
    assert app.cell(0, TunnelColumn.CLIENT).startswith("not started: ")
    view = app.surface.window.tunnels
    view.select_tunnel(next(iter(app.controller.tunnels)))
    assert view.reopen_action.isEnabled()

    settings.update(dataclasses.replace(settings.current, rdp_command=working))
    QTest.mouseClick(button_of(view, view.reopen_action.text()), Qt.MouseButton.LeftButton)
    await until(lambda: len(app.launches()) == 1)
    assert len(app.controller.tunnels) == 1


async def test_a_started_client_and_its_ready_tunnel_make_one_notification(app: App) -> None:
    await signed_in(app)
    await app.controller.open_tunnel(app.instance("demo-web"), TunnelKind.HTTP)
    (tunnel,) = app.controller.tunnels.values()
    assert [n.message for n in app.notices] == [f"Ready on {tunnel.address}."]
