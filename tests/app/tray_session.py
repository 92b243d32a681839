"""Run the GUI on the demo world under a real X server with a tray host (see
test_real_tray.py): sign in with the demo code, show the tray icon, report where it is,
wait for a click on it to open the window, then save screenshots and report as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import qasync
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from ssmgui.app import controller_for
from ssmgui.app.services import build_demo_services
from ssmgui.ui.main_surface import MainSurface
from ssmgui.ui.mfa_dialog import MfaDialog


async def answer_mfa(code: str) -> None:
    while True:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MfaDialog) and widget.isVisible():
                widget.code_edit.setText(code)
                widget.ok_button.click()
                return
        await asyncio.sleep(0.05)


async def session(artifacts: Path) -> dict[str, object]:
    services = await build_demo_services(lambda: None)
    controller = controller_for(services)
    surface = MainSurface(controller, quit_app=lambda: None)
    surface.show()
    refresh = asyncio.ensure_future(controller.refresh())
    await answer_mfa("123456")
    await asyncio.wait_for(refresh, 30)
    report: dict[str, object] = {"tray": surface.tray is not None}
    if surface.tray is not None:
        await asyncio.sleep(1.0)  # the tray host embeds the icon asynchronously
        geometry = surface.tray.icon.geometry()
        report["tray_visible"] = surface.tray.icon.isVisible()
        report["tray_geometry"] = [geometry.x(), geometry.y(), geometry.width(), geometry.height()]
        print(json.dumps({"tray_geometry": report["tray_geometry"]}), flush=True)
        async with asyncio.timeout(20):  # the test clicks the icon now
            while not surface.window.isVisible():
                await asyncio.sleep(0.05)
    surface.window.resize(1200, 700)
    await asyncio.sleep(1.0)
    surface.window.grab().save(str(artifacts / "window.png"))
    screen = QGuiApplication.primaryScreen()
    screen.grabWindow(0).save(str(artifacts / "screen.png"))
    report["window_visible"] = surface.window.isVisible()
    report["instances"] = surface.window.model.total()
    await controller.stop_all()
    await services.close()
    return report


def main() -> None:
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        report = loop.run_until_complete(session(Path(sys.argv[1])))
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
