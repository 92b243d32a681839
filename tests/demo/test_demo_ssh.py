"""demo-ssh's real SSH server, reached by real OpenSSH `ssh` through a native tunnel: it logs
in with a key pushed with EC2 Instance Connect in the last 60 s (the services' own push, the
fake's clock moved by the test), and nothing else, and trusts nothing but the demo's
known_hosts (the launcher's argv, as the GUI runs it)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ssmgui.cli.demo_check import ScriptedPrompt, demo_identity
from ssmgui.core.settings import Settings
from ssmgui.core.tunnel import TunnelKind, TunnelSpec
from ssmgui.demo.channel.agent_shell import BANNER
from ssmgui.demo.desktop.files import DEV
from ssmgui.demo.desktop.world import REGIONS, DemoDesktop, start_demo_desktop
from ssmgui.services.identity_facade import IdentityFacade
from ssmgui.services.launch.instance_connect import EphemeralKey, InstanceConnect
from ssmgui.services.launch.launcher import Launcher
from ssmgui.services.settings_store import SettingsService
from ssmgui.services.tunnels.engines.native import NativeEngine
from ssmgui.services.tunnels.manager import TunnelManager
from ssmgui.ssm.channel import ChannelOptions

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("ssh") is None, reason="needs the OpenSSH client"),
]
USER = "ec2-user"
BANNER_START = BANNER.split("{", 1)[0]  # "ssmgui demo: this is a real shell on THIS computer"


class DemoSsh:
    """A tunnel to demo-dev's demo-ssh, the services' key pusher and the launcher's ssh."""

    def __init__(self, desktop: DemoDesktop, manager: TunnelManager, tmp_path: Path) -> None:
        self.desktop, self.manager = desktop, manager
        self.instance_id = desktop.featured_by_profile[DEV]["demo-ssh"]
        self.fake = desktop.fleet.ssm[DEV, REGIONS[0]]
        identity = demo_identity(desktop, ScriptedPrompt(lambda _text: None))
        self.connect = InstanceConnect(identity.session_for, desktop.endpoint_for)
        self.key = EphemeralKey(tmp_path)
        self.launcher = Launcher(known_hosts=desktop.known_hosts_file)
        self.port = 0

    def push(self) -> None:
        self.connect.push(DEV, REGIONS[0], self.instance_id, USER, self.key.public_openssh)

    async def ssh(self, *command: str, typed: bytes = b"") -> tuple[int, str]:
        """Real ssh, with the argv the GUI's launcher builds, BatchMode so that it never
        asks; (exit status, what it printed)."""
        argv = self.launcher.ssh_argv(
            self.port,
            Settings(ssh_user=USER),
            instance_id=self.instance_id,
            identity_file=self.key.private_file(),
        )
        argv[1:1] = ["-F", "/dev/null", "-o", "BatchMode=yes"]  # not the person's ssh config
        process = await asyncio.create_subprocess_exec(
            *argv, *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(process.communicate(typed), 30)
        assert process.returncode is not None
        return process.returncode, out.decode(errors="replace")


@pytest.fixture
async def demo_ssh(tmp_path: Path) -> AsyncIterator[DemoSsh]:
    # A space in the known_hosts path: ssh must read it as one file name.
    desktop = await start_demo_desktop(directory=tmp_path / "demo folder")
    desktop.apply_environment()
    identity = demo_identity(desktop, ScriptedPrompt(lambda _text: None))
    facade = IdentityFacade(identity, ssm_endpoint_for=desktop.ssm_endpoint_for)
    options = ChannelOptions(allowed_hosts=desktop.stream_hosts)
    manager = TunnelManager(
        api_for=facade.api_for, engine=lambda: NativeEngine(options), settings=SettingsService(None)
    )
    world = DemoSsh(desktop, manager, tmp_path)
    try:
        spec = TunnelSpec(DEV, REGIONS[0], world.instance_id, TunnelKind.SSH, 22)
        world.port = (await manager.open(spec)).local_port
        yield world
    finally:
        world.key.close()
        await manager.stop_all()
        await desktop.stop()


async def test_a_pushed_key_logs_in_and_runs_the_command_in_the_demo_shell(
    demo_ssh: DemoSsh,
) -> None:
    await asyncio.to_thread(demo_ssh.push)
    status, shown = await demo_ssh.ssh("echo", "ok")
    assert status == 0, shown
    assert BANNER_START in shown  # it says first that it is a shell on this computer
    assert "\nok" in shown.replace("\r", "")
    # ssh trusted the host key from the demo's known_hosts, and asked nothing.
    assert "Warning: Permanently added" not in shown and "Host key verification" not in shown


async def test_without_a_push_ssh_is_refused(demo_ssh: DemoSsh) -> None:
    status, shown = await demo_ssh.ssh("echo", "ok")
    assert status == 255 and "Permission denied (publickey)" in shown, shown


async def test_a_key_pushed_61_seconds_ago_is_refused(demo_ssh: DemoSsh) -> None:
    now = [1000.0]
    demo_ssh.fake.instance_connect.clock = lambda: now[0]
    await asyncio.to_thread(demo_ssh.push)
    now[0] += 61
    status, shown = await demo_ssh.ssh("echo", "ok")
    assert status == 255 and "Permission denied (publickey)" in shown, shown
    now[0] -= 2  # 59 s after the push, the same key logs in
    status, shown = await demo_ssh.ssh("echo", "ok")
    assert status == 0, shown


async def test_the_exit_status_of_the_command_is_sshs(demo_ssh: DemoSsh) -> None:
    await asyncio.to_thread(demo_ssh.push)
    status, _shown = await demo_ssh.ssh("exit", "7")
    assert status == 7


async def test_a_shell_reads_piped_input_sent_before_it_started_and_ends_with_it(
    demo_ssh: DemoSsh,
) -> None:
    """ssh sends piped input and its end at once, maybe before the shell has started: none
    of it is lost (it once was, and the shell waited forever)."""
    await asyncio.to_thread(demo_ssh.push)
    for _ in range(3):
        status, shown = await demo_ssh.ssh(typed=b"echo piped-$((6*7))\n")
        assert status == 0 and "piped-42" in shown, shown


async def test_demo_files_serves_ssh_too_with_its_own_pushed_keys(demo_ssh: DemoSsh) -> None:
    """A key pushed for demo-ssh does not open demo-files (keys are per instance, as EC2
    keeps them); one pushed for demo-files does."""
    await asyncio.to_thread(demo_ssh.push)
    files = demo_ssh.desktop.featured_by_profile[DEV]["demo-files"]
    spec = TunnelSpec(DEV, REGIONS[0], files, TunnelKind.SSH, 22)
    demo_ssh.port = (await demo_ssh.manager.open(spec)).local_port
    demo_ssh.instance_id = files
    status, shown = await demo_ssh.ssh("echo", "ok")
    assert status == 255 and "Permission denied (publickey)" in shown, shown
    await asyncio.to_thread(demo_ssh.push)
    status, shown = await demo_ssh.ssh("echo", "ok")
    assert status == 0 and "\nok" in shown.replace("\r", ""), shown
