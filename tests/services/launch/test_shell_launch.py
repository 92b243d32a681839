"""What "Open shell" runs: this installation's ssmgui with the instance, profile and region
only, in the person's terminal held open on failure; and what counts as an SSH setup."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ssmgui.core.launch import HostOs
from ssmgui.core.settings import Settings
from ssmgui.core.tunnel import TunnelKind
from ssmgui.services.launch.client_process import ClientProcess, Desktop, SpawnRequest
from ssmgui.services.launch.launcher import Launcher
from ssmgui.services.launch.shell_launch import known_ssh_setup, shell_argv, ssmgui_executable

INSTANCE = "i-0123456789abcdef0"


def test_the_command_is_this_installations_ssmgui() -> None:
    assert ssmgui_executable(frozen=False, executable="/py") == ["/py", "-m", "ssmgui"]
    assert ssmgui_executable(frozen=True, executable="/opt/ssmgui/ssmgui") == ["/opt/ssmgui/ssmgui"]
    assert shell_argv(["ssmgui"], INSTANCE, "prod", "eu-west-1") == [
        "ssmgui", "shell", INSTANCE, "--profile", "prod", "--region", "eu-west-1",
    ]  # fmt: skip
    assert shell_argv(["ssmgui"], INSTANCE, "demo-dev", "eu-west-1", demo=True)[:3] == [
        "ssmgui", "--demo", "shell",
    ]  # fmt: skip


async def test_the_launcher_opens_the_terminal_held_on_failure_with_the_shells_note() -> None:
    started: list[SpawnRequest] = []

    async def spawn(request: SpawnRequest) -> ClientProcess:
        started.append(request)
        return _Exited()

    desktop = Desktop(HostOs.LINUX, which=lambda n: f"/usr/bin/{n}" if n == "xterm" else None)
    launcher = Launcher(desktop, spawn, notes={TunnelKind.SHELL: "a demo shell"})
    command = shell_argv(["ssmgui"], INSTANCE, "prod", "eu-west-1")
    launched = await launcher.open_shell(command, Settings())
    (request,) = started
    assert request.argv[:4] == ("/usr/bin/xterm", "-e", "/bin/sh", "-c")
    assert request.argv[-len(command) - 2 :] == ("ssmgui", "a demo shell", *command)
    assert request.new_console and launched.note == "a demo shell"
    custom = dataclasses.replace(Settings(), terminal_command="xterm -hold -e {command}")
    await launcher.open_shell(command, custom)
    assert started[-1].argv == ("xterm", "-hold", "-e", *command)


def test_an_ssh_setup_is_a_key_setting_a_pushed_key_a_default_key_or_an_identity_file(
    tmp_path: Path,
) -> None:
    assert not known_ssh_setup(Settings(), tmp_path)
    assert known_ssh_setup(dataclasses.replace(Settings(), ssh_key_path="/k"), tmp_path)
    assert known_ssh_setup(dataclasses.replace(Settings(), ssh_push_key=True), tmp_path)
    ssh = tmp_path / ".ssh"
    ssh.mkdir()
    (ssh / "id_ed25519.pub").write_text("only the public half")
    (ssh / "config").write_text("Host *\n  User me\n")
    assert not known_ssh_setup(Settings(), tmp_path)
    (ssh / "config").write_text("Host work\n  IdentityFile ~/keys/work\n")
    assert known_ssh_setup(Settings(), tmp_path)
    (ssh / "config").unlink()
    (ssh / "id_rsa").write_text("a key")
    assert known_ssh_setup(Settings(), tmp_path)


class _Exited:
    returncode = 0

    async def wait(self) -> int:
        return 0

    def terminate(self) -> None:
        return None
