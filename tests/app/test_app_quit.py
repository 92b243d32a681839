"""Quit as a person does it, through the app's own composition (`ssmgui.app.main`): every
tunnel stopped with TerminateSession, the demo world closed, no task left running — whether
Quit came from the app's own window or from Qt (macOS's Quit menu item and Dock menu, ⌘Q,
`QApplication.quit()`), which would otherwise stop the loop under `main()`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from ssmgui.app import main
from ssmgui.app.services import AppServices
from ssmgui.core.tunnel import TunnelSnapshot, TunnelState
from ssmgui.ui.controller import AppController
from ssmgui.ui.main_surface import MainSurface
from tests.app.test_gui_demo import answer_mfa, until

QuitAction = Callable[[QApplication, MainSurface], None]


def close_the_window(_app: QApplication, surface: MainSurface) -> None:
    assert surface.tray is None  # offscreen: no tray, so closing the window is Quit
    surface.window.close()


def quit_through_qt(app: QApplication, _surface: MainSurface) -> None:
    app.quit()  # a QEvent.Quit to the application, as Qt's macOS termination handler sends


@pytest.mark.parametrize("quit_app", [close_the_window, quit_through_qt])
@pytest.mark.slow
async def test_quit_stops_every_tunnel_first(tmp_path: Path, quit_app: QuitAction) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    ready: list[tuple[AppController, MainSurface, AppServices]] = []
    running = asyncio.ensure_future(
        main(app, demo=True, log_path=tmp_path / "ssmgui.log",
             on_ready=lambda *parts: ready.append(parts))
    )  # fmt: skip
    await until(lambda: bool(ready))
    controller, surface, services = ready[0]
    tunnel = await _open_a_tunnel(controller, services)

    quit_app(app, surface)
    assert await asyncio.wait_for(running, 30) == 0

    assert all(t.state is TunnelState.STOPPED for t in controller.tunnels.values())
    assert services.demo is not None
    live = [sid for fake in services.demo.fleet.ssm.values() for sid in fake.live_session_ids()]
    assert live == []  # TerminateSession reached the service before the world closed
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", tunnel.local_port)
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert others == []


async def _open_a_tunnel(controller: AppController, services: AppServices) -> TunnelSnapshot:
    await answer_mfa("123456")
    await until(lambda: len(controller.instances()) > 300 and not controller.refreshing)
    assert services.demo is not None
    web = next(
        i for i in controller.instances() if i.instance_id == services.demo.featured["demo-web"]
    )
    await controller.connect_custom(web, 80)
    [tunnel] = controller.tunnels.values()
    assert tunnel.state is TunnelState.READY
    return tunnel
