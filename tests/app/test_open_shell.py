"""The "Open shell" entry in the composed app on the demo world: the context menu's and the tray's
entries, what a double-click opens on a Linux instance without an SSH setup, and the
terminal the launcher starts — a real `ssmgui --demo shell` in a real pseudo-terminal
(tests/app/pty_terminal.py), typed into as a person would. No secret in its argv or
environment."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMenu

from ssmgui.app.shell_opener import shell_opener, ssh_ready
from ssmgui.core.instance_choices import InstanceChoice
from ssmgui.core.launch import HostOs
from ssmgui.core.tunnel import TunnelKind
from ssmgui.demo.desktop.files import DEV
from ssmgui.demo.desktop.guide import CLIENT_NOTES
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.launch.client_process import (
    ClientProcess,
    Desktop,
    SpawnRequest,
    spawn_process,
)
from ssmgui.services.launch.launcher import Launcher
from ssmgui.services.launch.shell_launch import MEMORY_ONLY_NOTE
from ssmgui.ui.main_surface import MainSurface
from ssmgui.ui.shell_entry import SHELL_LABEL
from ssmgui.ui.tray import TrayMenu
from tests.app.dev_world import World, all_actions, surface, until, world

__all__ = ["surface", "world"]  # fixtures
TERMINAL = Path(__file__).with_name("pty_terminal.py")
PROMPT = "demo$ "


@pytest.fixture
def terminal(world: World, tmp_path: Path) -> Iterator[Path]:
    """x-terminal-emulator is pty_terminal.py; yields the plan file the test writes."""
    program = tmp_path / "x-terminal-emulator"
    program.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {TERMINAL} "$@"\n')
    program.chmod(0o755)
    plan = tmp_path / "plan.json"
    world.services.launcher.desktop = Desktop(
        HostOs.LINUX,
        which=lambda name: str(program) if name == "x-terminal-emulator" else None,
        env={**os.environ, "SSMGUI_TEST_TERMINAL": str(plan)},
    )
    yield plan


def _plan(plan: Path, record: Path, steps: list[tuple[str, str]]) -> None:
    plan.write_text(json.dumps({"record": str(record), "steps": steps}))


async def _ran(record: Path) -> dict[str, Any]:
    await until(record.exists, timeout=90)
    (entry,) = [json.loads(line) for line in record.read_text().splitlines()]
    return dict(entry)


def _without_pushed_keys(world: World) -> None:
    """The demo pushes SSH keys by default (its demo-ssh logs in): this person turned it off."""
    current = world.services.settings.current
    world.services.settings.update(dataclasses.replace(current, ssh_push_key=False))
    world.controller._ssh_ready_at = None


def _texts(menu: object) -> dict[str, bool]:
    return {a.text(): a.isEnabled() for a in all_actions(menu)}  # type: ignore[arg-type]


async def test_the_context_menu_offers_a_shell_on_online_instances_and_says_why_not_elsewhere(
    world: World, surface: MainSurface
) -> None:
    window = surface.window
    assert _texts(window.instance_menu(world.instance("demo-files")))[SHELL_LABEL] is True
    windows = _texts(window.instance_menu(world.instance("demo-rdp")))
    assert windows[f"{SHELL_LABEL} (PowerShell)"] is True  # the agent's shell there
    # An agent too old for tunnels still serves shells (2.3.68.0 and later).
    assert _texts(window.instance_menu(world.instance("demo-old-agent")))[SHELL_LABEL] is True
    offline = window.instance_menu(world.instance("demo-offline"))
    entry = next(a for a in all_actions(offline) if a.text() == SHELL_LABEL)
    assert not entry.isEnabled() and "not connected to Session Manager" in entry.toolTip()


async def test_the_tray_offers_a_shell_per_instance_marked_as_the_default_where_it_is(
    world: World, surface: MainSurface
) -> None:
    _without_pushed_keys(world)
    shown = QMenu()
    TrayMenu(world.controller, open_window=lambda: None, open_settings=lambda: None,
             quit_app=lambda: None, ask_custom_port=lambda _i: None).fill(shown)  # fmt: skip
    files_id = world.instance("demo-files").instance_id
    files = next(a for a in all_actions(shown) if files_id in a.text())
    entries = _texts(files.menu())
    # No SSH key in the settings nor in this HOME: a Linux instance's default is the shell.
    assert not ssh_ready(world.controller.settings)
    assert entries[f"{SHELL_LABEL}  (default)"] is True
    assert "Connect SSH" in entries  # SSH is still there, just not the default


async def test_a_linux_instance_without_an_ssh_setup_opens_a_shell_and_the_settings_or_choice_win(
    world: World, tmp_path: Path
) -> None:
    _without_pushed_keys(world)
    controller, files = world.controller, world.instance("demo-files")
    assert controller.default_kind(files) is TunnelKind.SHELL
    assert controller.default_kind(world.instance("demo-rdp")) is TunnelKind.RDP
    assert controller.default_kind(world.instance("demo-ssh")) is TunnelKind.SSH  # its tag
    key = tmp_path / "id_ed25519"
    key.write_text("a key")
    with_key = dataclasses.replace(controller.settings, ssh_key_path=str(key))
    world.services.settings.update(with_key)
    controller._ssh_ready_at = None
    assert controller.default_kind(files) is TunnelKind.SSH
    controller.choose(files, InstanceChoice(TunnelKind.SHELL))
    assert controller.default_kind(files) is TunnelKind.SHELL  # the person's choice wins


@pytest.mark.slow
@pytest.mark.real_clients
async def test_open_shell_runs_ssmgui_shell_in_the_terminal_and_the_shell_answers(
    world: World, surface: MainSurface, terminal: Path, tmp_path: Path
) -> None:
    record = tmp_path / "terminal.jsonl"
    _plan(record=record, plan=terminal, steps=[
        (PROMPT, "echo hello-from-$((6*7))\r"),
        ("hello-from-42", "exit\r"),
    ])  # fmt: skip
    files = world.instance("demo-files")
    menu = surface.window.instance_menu(files)
    next(a for a in all_actions(menu) if a.text() == SHELL_LABEL).trigger()
    ran = await _ran(record)
    argv, shown = list(ran["argv"]), str(ran["shown"])
    command = [sys.executable, "-m", "ssmgui", "--demo", "shell", files.instance_id]
    assert argv[-len(command) - 4 :] == [*command, "--profile", DEV, "--region", files.region]
    assert argv[:2] == ["/bin/sh", "-c"]  # held open should it fail
    assert "this is a real shell on THIS computer" in shown and "hello-from-42" in shown
    assert ran["code"] == 0
    # Neither the credentials this window signed in with nor any AWS secret variable.
    secrets = [s for s in await _secrets_of(world) if s]
    assert secrets and not any(secret in arg for secret in secrets for arg in argv)
    assert not {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & set(ran["env"])
    await until(lambda: CLIENT_NOTES[TunnelKind.SHELL] in surface.window.notice.text.text())


@pytest.mark.slow
@pytest.mark.real_clients
async def test_a_shell_the_instance_refuses_keeps_its_terminal_open_saying_why(
    world: World, surface: MainSurface, terminal: Path, tmp_path: Path
) -> None:
    record = tmp_path / "terminal.jsonl"
    _plan(record=record, plan=terminal, steps=[("Press Enter to close", "\r")])
    await world.controller.open_shell(world.instance("demo-rdp"))  # the demo's has none
    ran = await _ran(record)
    shown = str(ran["shown"])
    assert "offers no shell in this demo" in shown
    assert "exited with status" in shown and CLIENT_NOTES[TunnelKind.SHELL] in shown
    assert ran["code"] != 0


async def _secrets_of(world: World) -> list[str]:
    session = await world.services.identity.session_for_async(DEV)
    credentials = session.get_credentials()
    assert credentials is not None
    frozen = credentials.get_frozen_credentials()
    return [str(frozen.secret_key or ""), str(frozen.token or ""), str(frozen.access_key or "")]


async def test_without_a_shared_keyring_the_shell_says_it_asks_for_the_code_itself(
    world: World,
) -> None:
    started: list[SpawnRequest] = []

    async def spawn(request: SpawnRequest) -> ClientProcess:
        started.append(request)
        return await spawn_process(SpawnRequest(("true",), request.env))

    xterm = Desktop(HostOs.LINUX, which=lambda n: "/usr/bin/xterm" if n == "xterm" else None)
    real = dataclasses.replace(
        world.services, demo=None, secrets=SecretStore(None), launcher=Launcher(xterm, spawn)
    )  # as the real app is built when no keyring is usable
    files = world.instance("demo-files")
    launched = await shell_opener(real)(files)
    assert MEMORY_ONLY_NOTE in launched.note
    assert "--demo" not in started[0].argv  # the real app's terminal runs the real ssmgui
    assert started[0].argv[-6:] == (
        "shell", files.instance_id, "--profile", DEV, "--region", files.region,
    )  # fmt: skip
    await launched.wait()
