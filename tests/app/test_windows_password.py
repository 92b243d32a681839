"""Get Windows password on the demo world: real EC2 GetPasswordData from the demo's fake
EC2, real RSA decryption with the demo's key, the controller and the app's own widgets.

demo-dev signs in without MFA, so these tests list only its instances.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ssmgui.app import controller_for
from ssmgui.app.services import AppServices, build_demo_services
from ssmgui.core.errors import PasswordNotAvailableError, SsmGuiError, WindowsPasswordError
from ssmgui.core.instance import Instance, Platform
from ssmgui.demo.desktop.files import DEV
from ssmgui.demo.desktop.world import DEMO_RDP_PASSWORD, DemoDesktop
from ssmgui.demo.ec2.windows_key import DEMO_KEY_NAME
from ssmgui.ui.controller import AppController


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


def other_key(tmp_path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "someone-else.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return path


async def test_the_key_is_asked_once_then_remembered_by_key_pair(world: World) -> None:
    rdp = world.instance("demo-rdp")
    await world.controller.windows_password(rdp)
    assert world.asked == [(rdp, DEMO_KEY_NAME)] and world.passwords == []

    await world.controller.windows_password(rdp, world.demo.windows_key_file)
    assert world.passwords == [(rdp, DEMO_RDP_PASSWORD)]
    assert world.controller.settings.key_files == {DEMO_KEY_NAME: str(world.demo.windows_key_file)}

    await world.controller.windows_password(rdp)  # no question the second time
    assert len(world.asked) == 1 and len(world.passwords) == 2
    assert world.failures == []


async def test_no_key_is_asked_for_a_password_ec2_has_not_generated_yet(world: World) -> None:
    windows = [i for i in world.controller.instances() if i.platform is Platform.WINDOWS]
    refused: list[Instance] = []
    for instance in windows:  # about one in four has no password yet, as just launched
        world.failures.clear()
        await world.controller.windows_password(instance, world.demo.windows_key_file)
        if world.failures:
            refused.append(instance)
            break
    assert refused, "the demo fleet has Windows instances without a password yet"
    (error,) = world.failures
    assert isinstance(error, PasswordNotAvailableError)
    assert "few minutes" in error.user_message
    world.asked.clear()
    await world.controller.windows_password(refused[0])
    assert world.asked == []  # told "not yet" before any key is asked for


async def test_a_key_of_another_pair_is_refused_and_not_remembered(
    world: World, tmp_path: Path
) -> None:
    await world.controller.windows_password(world.instance("demo-rdp"), other_key(tmp_path))
    (error,) = world.failures
    assert isinstance(error, WindowsPasswordError)
    assert "could not be decrypted with this key" in error.user_message
    assert world.passwords == [] and world.controller.settings.key_files == {}


async def test_a_remembered_key_that_no_longer_matches_is_forgotten(
    world: World, tmp_path: Path
) -> None:
    settings = world.controller.settings.with_key_file(DEMO_KEY_NAME, str(other_key(tmp_path)))
    world.services.settings.update(settings)
    rdp = world.instance("demo-rdp")
    await world.controller.windows_password(rdp)
    assert isinstance(world.failures[0], WindowsPasswordError)
    assert world.controller.settings.key_files == {}
    await world.controller.windows_password(rdp)
    assert world.asked == [(rdp, DEMO_KEY_NAME)]  # asked again, not refused again
