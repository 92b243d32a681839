"""The demo's welcome, followed as written by a newcomer, in the composed app.

The banner tells a person what to type and what to double-click; each step is done here with
keys and mouse clicks on the live widgets, and what the person then sees is checked: the
rows the filter leaves, the page demo-web's double-click opens, the note saying plainly that
the demo has no RDP server, and the terminal where ssh logs in to demo-ssh's shell with the
key the demo pushed with EC2 Instance Connect.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import sys
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ssmgui.app import controller_for
from ssmgui.app.services import AppServices, build_demo_services
from ssmgui.core.launch import HostOs
from ssmgui.core.tunnel import TunnelKind
from ssmgui.demo.channel.agent_shell import BANNER
from ssmgui.demo.desktop.files import PROD
from ssmgui.demo.desktop.guide import CLIENT_NOTES, FEATURED_FILTER
from ssmgui.services.launch.client_process import Desktop
from ssmgui.ui.controller import AppController
from ssmgui.ui.error_display import ErrorDoor
from ssmgui.ui.main_surface import MainSurface
from tests.app.test_gui_demo import answer_mfa, until

RECORDER = Path(__file__).with_name("record_client.py")
FEATURED = {"demo-web", "demo-rdp", "demo-ssh", "demo-files", "demo-offline", "demo-old-agent"}
#: A terminal emulator for the launcher: runs what follows -e with Enter typed, records it.
FAKE_TERMINAL = """\
import json, subprocess, sys
argv = sys.argv[sys.argv.index("-e") + 1:]
done = subprocess.run(argv, input=b"\\n", capture_output=True, timeout=60)
shown = (done.stdout + done.stderr).decode(errors="replace")
with open({record!r}, "a") as out:
    out.write(json.dumps({{"argv": argv, "code": done.returncode, "shown": shown}}) + "\\n")
"""


@dataclass
class Newcomer:
    services: AppServices
    controller: AppController
    surface: MainSurface
    record: Path
    terminal_record: Path
    door: ErrorDoor

    def launches(self, record: Path | None = None) -> list[dict[str, object]]:
        path = record or self.record
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
async def newcomer(tmp_path: Path) -> AsyncIterator[Newcomer]:
    services = await build_demo_services(lambda: None)
    record, terminal_record = tmp_path / "launched.jsonl", tmp_path / "terminal.jsonl"
    client = f"{sys.executable} {RECORDER} {record}"
    services.settings.update(
        dataclasses.replace(
            services.settings.current,
            rdp_command=f"{client} {{file}} {{port}}",
            browser_command=f"{client} {{url}}",
        )
    )
    terminal = tmp_path / "x-terminal-emulator"
    terminal.write_text(f"#!{sys.executable}\n" + FAKE_TERMINAL.format(record=str(terminal_record)))
    terminal.chmod(0o755)
    services.launcher.desktop = Desktop(
        HostOs.LINUX,
        which=lambda name: str(terminal) if name == "x-terminal-emulator" else shutil.which(name),
    )
    controller = controller_for(services)
    door = ErrorDoor(lambda: None, tmp_path / "ssmgui.log")
    controller.failed.connect(door.show_expected)
    surface = MainSurface(controller, quit_app=lambda: None)
    surface.show(banner=services.banner)  # as the app shows it
    surface.open_window()
    yield Newcomer(services, controller, surface, record, terminal_record, door)
    await controller.stop_all()
    await services.close()
    surface.window.close()


async def signed_in_and_listed(person: Newcomer) -> None:
    refresh = asyncio.ensure_future(person.controller.refresh())
    await answer_mfa("123456")
    await asyncio.wait_for(refresh, 30)


def row_of(person: Newcomer, name: str, profile: str = PROD) -> int:
    model = person.surface.window.model
    for row in range(model.rowCount()):
        instance = model.instance_at(row)
        if instance.name == name and instance.profile == profile:
            return row
    raise AssertionError(f"{name} ({profile}) is not shown")


async def double_click(person: Newcomer, name: str) -> None:
    window = person.surface.window
    await asyncio.sleep(0.1)  # the shown window lays out its rows
    rect = window.table.visualRect(window.model.index(row_of(person, name), 0))
    assert rect.isValid()
    viewport = window.table.viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())


async def test_the_welcome_names_a_filter_that_shows_the_featured_instances_only(
    newcomer: Newcomer,
) -> None:
    window = newcomer.surface.window
    assert window.notice.isVisible()
    assert f"type {FEATURED_FILTER} in the filter" in window.notice.text.text()
    await signed_in_and_listed(newcomer)
    assert window.model.rowCount() > 300
    QTest.keyClicks(window.filter_edit, FEATURED_FILTER)
    await until(lambda: window.model.rowCount() < 300)
    shown = [window.model.instance_at(row) for row in range(window.model.rowCount())]
    assert {i.name for i in shown} == FEATURED
    assert len(shown) == len(FEATURED) * len(newcomer.services.demo.profiles)  # type: ignore[union-attr]


@pytest.mark.slow
async def test_double_click_on_demo_web_opens_its_page_in_the_browser(newcomer: Newcomer) -> None:
    await signed_in_and_listed(newcomer)
    QTest.keyClicks(newcomer.surface.window.filter_edit, FEATURED_FILTER)
    await double_click(newcomer, "demo-web")
    await until(lambda: len(newcomer.launches()) == 1)
    (tunnel,) = newcomer.controller.tunnels.values()
    assert tunnel.spec.kind is TunnelKind.HTTP  # its ssmgui:action tag, not SSH
    url = str(newcomer.launches()[0]["argv"][0])  # type: ignore[index]
    page = await asyncio.to_thread(_fetch, url)
    assert "came through an SSM tunnel from ssmgui" in page


@pytest.mark.slow
async def test_double_click_on_demo_rdp_says_plainly_there_is_no_rdp_server(
    newcomer: Newcomer,
) -> None:
    await signed_in_and_listed(newcomer)
    QTest.keyClicks(newcomer.surface.window.filter_edit, FEATURED_FILTER)
    await double_click(newcomer, "demo-rdp")
    await until(lambda: len(newcomer.launches()) == 1)
    notice = newcomer.surface.window.notice
    await until(lambda: CLIENT_NOTES[TunnelKind.RDP] in notice.text.text())
    assert notice.isVisible()


@pytest.mark.slow
@pytest.mark.real_clients
async def test_double_click_on_demo_ssh_logs_in_with_a_pushed_key_to_the_demo_shell(
    newcomer: Newcomer,
) -> None:
    if shutil.which("ssh") is None:
        pytest.skip("needs the OpenSSH client")
    await signed_in_and_listed(newcomer)
    QTest.keyClicks(newcomer.surface.window.filter_edit, FEATURED_FILTER)
    await double_click(newcomer, "demo-ssh")
    note = CLIENT_NOTES[TunnelKind.SSH]
    await until(lambda: note in newcomer.surface.window.notice.text.text())
    await until(lambda: len(newcomer.launches(newcomer.terminal_record)) == 1, timeout=30)
    (ran,) = newcomer.launches(newcomer.terminal_record)
    shown = str(ran["shown"])
    # ssh logged in through the tunnel with the pushed key, trusting the demo's host key
    # without a question; its shell said first what it is, then ended with the terminal's
    # input (Enter, then end of input), status 0.
    demo = newcomer.services.demo
    assert demo is not None and str(demo.known_hosts_file) in str(ran["argv"])
    assert BANNER.split("{", 1)[0] in shown, shown
    assert ran["code"] == 0 and "Permission denied" not in shown


@pytest.mark.parametrize(
    ("name", "told"),
    [("demo-offline", "not connected"), ("demo-old-agent", "2.3.444.0")],
)
async def test_the_featured_instances_that_cannot_connect_say_why(
    newcomer: Newcomer, name: str, told: str
) -> None:
    await signed_in_and_listed(newcomer)
    QTest.keyClicks(newcomer.surface.window.filter_edit, FEATURED_FILTER)
    await double_click(newcomer, name)
    await until(lambda: bool(newcomer.door.shown))
    assert told in newcomer.door.shown[0]
    assert not newcomer.launches(newcomer.terminal_record)  # no terminal flashed


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return str(answer.read().decode())
