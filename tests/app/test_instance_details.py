"""The instance details below the table and the per-instance choices, as a person uses
them: a click on a row, the copy buttons, the Details button, the context menu's "Default
action ▸" and "SSH user…" — on the live widgets of the app composed on the demo world."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QLineEdit, QPushButton, QToolButton

from ssmgui.core.instance import Instance
from ssmgui.core.instance_choices import InstanceChoice
from ssmgui.core.tunnel import TunnelKind
from ssmgui.demo.desktop.files import DEV
from ssmgui.ui.instance_choice_menu import AUTOMATIC
from ssmgui.ui.instance_details import NOTHING_SELECTED
from ssmgui.ui.main_surface import MainSurface
from tests.app.dev_world import World, all_actions, surface, until, world

__all__ = ["surface", "world"]  # fixtures
RECORDER = Path(__file__).with_name("record_client.py")


async def click_row(surface: MainSurface, instance: Instance) -> None:
    window = surface.window
    window.filter_edit.setText(instance.instance_id)
    await until(lambda: window.model.rowCount() == 1)
    await asyncio.sleep(0.1)  # the shown window lays its rows out
    rect = window.table.visualRect(window.model.index(0, 0))
    QTest.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def details_text(surface: MainSurface) -> dict[str, str]:
    return {name: label.text() for name, label in surface.window.details.values.items()}


async def test_a_click_on_a_row_shows_its_details_and_copies_its_id(
    world: World, surface: MainSurface, tmp_path: Path
) -> None:
    details = surface.window.details
    assert details.isVisible() and details.hint.isVisible()
    assert details.hint.text() == NOTHING_SELECTED
    rdp = world.instance("demo-rdp")
    await click_row(surface, rdp)
    assert not details.hint.isVisible() and details.body.isVisible()
    shown = details_text(surface)
    assert shown["Instance ID"] == rdp.instance_id
    assert shown["State"] == "running"
    assert shown["Profile"] == DEV and shown["Region"] == rdp.region
    assert shown["Account"] == rdp.account and rdp.account
    assert "Team = demo" in shown["Tags"]
    assert shown["Ping"].startswith("Online")
    surface.window.grab().save(str(tmp_path / "details.png"))
    QTest.mouseClick(details.copy_id, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == rdp.instance_id
    QTest.mouseClick(details.copy_ip, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == rdp.private_ip


async def test_an_old_agent_says_why_it_cannot_tunnel(world: World, surface: MainSurface) -> None:
    await click_row(surface, world.instance("demo-old-agent"))
    agent = details_text(surface)["SSM Agent"]
    assert agent.startswith("2.3.444.0")
    assert "too old for tunnels" in agent and "2.3.672.0 or later" in agent


async def test_the_details_follow_a_fresh_listing(world: World, surface: MainSurface) -> None:
    web = world.instance("demo-web")
    await click_row(surface, web)
    assert details_text(surface)["Ping"].startswith("Online")
    fake = world.demo.fleet.ssm[DEV, web.region]
    next(
        i for i in fake.instances.values() if i.instance_id == web.instance_id
    ).ping_status = "ConnectionLost"
    await world.controller.refresh()
    await until(lambda: details_text(surface)["Ping"].startswith("ConnectionLost"))
    assert surface.window.details.instance is not None
    assert surface.window.details.instance.instance_id == web.instance_id


async def test_the_details_button_collapses_and_restores_them(
    world: World, surface: MainSurface
) -> None:
    window = surface.window
    button = next(
        b for b in window.findChildren(QToolButton) if b.defaultAction() is window.details_action
    )
    assert button.isVisible()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.splitter.sizes()[1] == 0 and window.details.visibleRegion().isEmpty()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.splitter.sizes()[1] > 0 and not window.details.visibleRegion().isEmpty()


async def test_a_chosen_default_action_wins_over_the_tag_and_is_remembered(
    world: World, surface: MainSurface
) -> None:
    web = world.instance("demo-web")
    usual = world.controller.default_kind(web)
    assert usual is TunnelKind.HTTP  # demo-web's ssmgui:action=http tag
    menu = surface.window.instance_menu(web)
    choices = {a.text(): a for a in all_actions(menu) if a.isCheckable()}
    assert choices[AUTOMATIC].isChecked()
    choices["SSH"].trigger()
    assert world.controller.default_kind(web) is TunnelKind.SSH
    saved = world.services.settings.current.choice_for(DEV, web.region, web.instance_id)
    assert saved == InstanceChoice(TunnelKind.SSH)
    again = {a.text(): a for a in all_actions(surface.window.instance_menu(web)) if a.isCheckable()}
    assert again["SSH"].isChecked() and not again[AUTOMATIC].isChecked()
    again[AUTOMATIC].trigger()
    assert world.controller.default_kind(web) is usual
    assert world.services.settings.current.instance_choices == {}


async def test_an_ssh_user_chosen_for_one_instance_is_the_one_ssh_logs_in_as(
    world: World, surface: MainSurface, tmp_path: Path
) -> None:
    record = tmp_path / "launched.jsonl"
    world.services.settings.update(
        dataclasses.replace(
            world.controller.settings,
            terminal_command=f"{sys.executable} {RECORDER} {record} {{command}}",
        )
    )
    ssh = world.instance("demo-ssh")
    entry = next(a for a in surface.window.instance_menu(ssh).actions() if "SSH user" in a.text())
    assert entry.text() == "SSH user… (ec2-user)"
    entry.trigger()
    dialog = next(d for d in surface.window.findChildren(QInputDialog) if d.isVisible())
    edit = dialog.findChild(QLineEdit)
    assert edit is not None
    QTest.keyClicks(edit, "ubuntu")
    ok = next(b for b in dialog.findChildren(QPushButton) if b.text().replace("&", "") == "OK")
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert world.controller.choice_for(ssh).ssh_user == "ubuntu"
    await world.controller.open_tunnel(ssh, TunnelKind.SSH)
    await until(record.exists)
    launched = " ".join(json.loads(record.read_text().splitlines()[0])["argv"])
    assert "ubuntu@127.0.0.1" in launched
    other = world.instance("demo-web")
    assert (
        world.controller.settings.for_instance(
            other.profile, other.region, other.instance_id
        ).ssh_user
        == "ec2-user"
    )


async def test_every_tag_is_shown_one_per_line(
    world: World, surface: MainSurface, tmp_path: Path
) -> None:
    await click_row(surface, world.instance("demo-old-agent"))
    await asyncio.sleep(0.05)
    tags = surface.window.details.values["Tags"]
    lines = tags.text().splitlines()
    assert len(lines) >= 3
    assert tags.height() >= len(lines) * tags.fontMetrics().lineSpacing()
    agent = surface.window.details.values["SSM Agent"]
    assert agent.height() >= 2 * agent.fontMetrics().lineSpacing()  # wrapped, not cut
    surface.window.grab().save(str(tmp_path / "old-agent.png"))


async def test_the_details_say_what_a_double_click_opens_and_why(
    world: World, surface: MainSurface
) -> None:
    web = world.instance("demo-web")
    await click_row(surface, web)
    assert details_text(surface)["Double-click"] == "HTTP (its ssmgui:action tag)"
    assert details_text(surface)["SSH user"] == "ec2-user (the settings)"
    choices = {a.text(): a for a in all_actions(surface.window.instance_menu(web))}
    choices["RDP"].trigger()
    assert details_text(surface)["Double-click"] == "RDP (your choice)"
    choices[AUTOMATIC].trigger()
    assert details_text(surface)["Double-click"] == "HTTP (its ssmgui:action tag)"
    await click_row(surface, world.instance("demo-rdp"))
    assert details_text(surface)["Double-click"] == "RDP (the settings)"
