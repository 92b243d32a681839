"""The demo world's demo-dev instances in the app's controller and window, for tests that
act as a person. demo-dev signs in without MFA, so nothing waits for a code.

The fixtures `world` and `surface` are imported by the test modules that use them.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from ssmgui.app import controller_for
from ssmgui.app.services import AppServices, build_demo_services
from ssmgui.core.errors import SsmGuiError
from ssmgui.core.instance import Instance
from ssmgui.demo.desktop.files import DEV
from ssmgui.demo.desktop.world import DemoDesktop
from ssmgui.ui.controller import AppController
from ssmgui.ui.main_surface import MainSurface


@dataclass
class World:
    services: AppServices
    demo: DemoDesktop
    controller: AppController
    passwords: list[tuple[Instance, str]]
    asked: list[tuple[Instance, str]]
    failures: list[SsmGuiError]

    def instance(self, name: str) -> Instance:
        wanted = self.demo.featured_by_profile[DEV][name]
        return next(i for i in self.controller.instances() if i.instance_id == wanted)


@pytest.fixture
async def world() -> AsyncIterator[World]:
    services = await build_demo_services(lambda: None)
    assert services.demo is not None
    services.settings.update(dataclasses.replace(services.settings.current, profiles=(DEV,)))
    controller = controller_for(services)
    found = World(services, services.demo, controller, [], [], [])
    controller.password_ready.connect(lambda i, p: found.passwords.append((i, p)))
    controller.key_file_needed.connect(lambda i, k: found.asked.append((i, k)))
    controller.failed.connect(found.failures.append)
    await asyncio.wait_for(controller.refresh(), 30)
    yield found
    await controller.close()
    await services.close()


@pytest.fixture
def surface(world: World) -> Iterator[MainSurface]:
    shown = MainSurface(world.controller, quit_app=lambda: None)
    shown.passwords.clipboard.clear_after_s = 0.5
    if world.services.demo is not None:
        shown.passwords.key_folder = world.services.demo.windows_key_file.parent
    shown.window.show_regions(
        (r.profile, r.region, r.instances, r.stale) for r in world.controller.regions.values()
    )
    shown.open_window()
    yield shown
    shown.close()


async def until(condition: Callable[[], object], timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def menu_action(menu: QMenu, text: str) -> QAction:
    return next(a for a in menu.actions() if a.text() == text)


def all_actions(menu: QMenu) -> list[QAction]:
    found = []
    for action in menu.actions():
        found.append(action)
        if isinstance(action.menu(), QMenu):
            found += all_actions(action.menu())  # type: ignore[arg-type]
    return found
