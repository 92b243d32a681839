"""Get Windows password on the demo world: real EC2 GetPasswordData from the demo's fake
EC2, real RSA decryption with the demo's key, the controller and the app's own widgets.

demo-dev signs in without MFA, so these tests list only its instances (dev_world.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QMenu, QPushButton

from ssmgui.core.errors import PasswordNotAvailableError, WindowsPasswordError
from ssmgui.core.instance import Instance, Platform
from ssmgui.demo.desktop.world import DEMO_RDP_PASSWORD
from ssmgui.demo.ec2.windows_key import DEMO_KEY_NAME
from ssmgui.ui.main_surface import MainSurface
from ssmgui.ui.tray import TrayMenu
from tests.app.dev_world import World, all_actions, menu_action, surface, until, world

__all__ = ["surface", "world"]  # fixtures


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


# --- as a person: the window's menu, the key dialog, the clipboard -------------------------


# The file name's completer pops up as the path is typed: offscreen cannot grab the keyboard.
@pytest.mark.qt_log_ignore("does not support grabbing the keyboard")
async def test_get_windows_password_from_the_window_copies_it_for_a_while(
    world: World, surface: MainSurface, tmp_path: Path
) -> None:
    window, rdp = surface.window, world.instance("demo-rdp")
    menu_action(window.instance_menu(rdp), "Get Windows password…").trigger()
    await until(
        lambda: surface.passwords.dialog is not None and surface.passwords.dialog.isVisible()
    )
    dialog = surface.passwords.dialog
    assert dialog is not None and DEMO_KEY_NAME in dialog.windowTitle()
    assert Path(dialog.directory().absolutePath()) == world.demo.windows_key_file.parent
    name_edit = dialog.findChild(QLineEdit, "fileNameEdit")
    assert name_edit is not None and name_edit.isVisible()
    QTest.keyClicks(name_edit, str(world.demo.windows_key_file))
    # The file name's completer lists the folder in a thread and may pop up just before
    # Return, which then only takes the suggestion; a person presses Return again.
    for _ in range(3):
        QTest.keyClick(name_edit, Qt.Key.Key_Return)
        with contextlib.suppress(TimeoutError):
            await until(lambda: not dialog.isVisible(), timeout=1)
        if not dialog.isVisible():
            break

    clipboard = QGuiApplication.clipboard()
    await until(lambda: clipboard.text() == DEMO_RDP_PASSWORD)
    assert window.notice.isVisible()
    shown = " ".join(label.text() for label in window.notice.findChildren(QLabel))
    assert "copied" in shown and "until" in shown and DEMO_RDP_PASSWORD not in shown
    window.grab().save(str(tmp_path / "password-copied.png"))
    await until(lambda: clipboard.text() == "", timeout=5)  # cleared after clear_after_s


async def test_the_password_entry_is_offered_for_windows_instances_only(
    world: World, surface: MainSurface
) -> None:
    texts = [a.text() for a in surface.window.instance_menu(world.instance("demo-web")).actions()]
    assert "Get Windows password…" not in texts
    tray_menu = QMenu()
    TrayMenu(world.controller, open_window=lambda: None, open_settings=lambda: None,
             quit_app=lambda: None, ask_custom_port=lambda _i: None).fill(tray_menu)  # fmt: skip
    rdp = world.instance("demo-rdp")
    entry = next(a for a in all_actions(tray_menu) if rdp.instance_id in a.text())
    submenu = entry.menu()
    assert isinstance(submenu, QMenu)
    menu_action(submenu, "Get Windows password…").trigger()
    await until(lambda: surface.passwords.dialog is not None)


async def test_a_copied_password_is_left_alone_once_something_else_is_copied(
    world: World, surface: MainSurface
) -> None:
    world.services.settings.update(
        world.controller.settings.with_key_file(DEMO_KEY_NAME, str(world.demo.windows_key_file))
    )
    menu_action(
        surface.window.instance_menu(world.instance("demo-rdp")), "Get Windows password…"
    ).trigger()
    clipboard = QGuiApplication.clipboard()
    await until(lambda: clipboard.text() == DEMO_RDP_PASSWORD)
    clipboard.setText("something the person copied")
    await asyncio.sleep(0.8)
    assert clipboard.text() == "something the person copied"


async def test_a_key_with_a_passphrase_asks_for_it_hidden_and_keeps_only_the_file(
    world: World, surface: MainSurface, tmp_path: Path
) -> None:
    demo_key = serialization.load_pem_private_key(
        world.demo.windows_key_file.read_bytes(), password=None
    )
    protected = tmp_path / "protected.pem"
    protected.write_bytes(
        demo_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"open sesame"),
        )
    )
    rdp = world.instance("demo-rdp")
    await world.controller.windows_password(rdp, protected)
    dialog = surface.passwords.passphrase_dialog
    assert dialog is not None and dialog.isVisible() and world.failures == []
    edit = dialog.findChild(QLineEdit)
    assert edit is not None and edit.echoMode() is QLineEdit.EchoMode.Password
    QTest.keyClicks(edit, "open sesame")
    ok = next(b for b in dialog.findChildren(QPushButton) if b.text().replace("&", "") == "OK")
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    await until(lambda: world.passwords == [(rdp, DEMO_RDP_PASSWORD)])
    assert world.controller.settings.key_files == {DEMO_KEY_NAME: str(protected)}
    assert "open sesame" not in repr(world.controller.settings)


async def test_hybrid_windows_nodes_offer_no_ec2_password(
    world: World, surface: MainSurface
) -> None:
    hybrid = dataclasses.replace(world.instance("demo-rdp"), instance_id="mi-0de20000000000002")
    entry = menu_action(surface.window.instance_menu(hybrid), "Get Windows password…")
    assert not entry.isEnabled() and "hybrid" in entry.toolTip()


async def test_quitting_takes_a_copied_password_off_the_clipboard(
    world: World, surface: MainSurface
) -> None:
    world.services.settings.update(
        world.controller.settings.with_key_file(DEMO_KEY_NAME, str(world.demo.windows_key_file))
    )
    surface.passwords.clipboard.clear_after_s = 60
    await world.controller.windows_password(world.instance("demo-rdp"))
    clipboard = QGuiApplication.clipboard()
    assert clipboard.text() == DEMO_RDP_PASSWORD
    surface.close()
    assert clipboard.text() == ""
