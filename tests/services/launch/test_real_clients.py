"""Real clients through real tunnels: OpenSSH via the generated ssh-config snippet, ssh as
the launcher starts it, and FreeRDP reading our .rdp file against FreeRDP's shadow server.

In CI (CI set) a missing sshd, ssh, Xvfb, xfreerdp or freerdp-shadow-cli is a failure, not
a skip: scripts/check installs them (openssh-*, xvfb, freerdp2-x11, freerdp2-shadow-x11).
"""

from __future__ import annotations

import dataclasses
import getpass
import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssmgui.core.launch import HostOs, rdp_client_argv, ssh_config_snippet
from ssmgui.core.settings import Settings
from ssmgui.services.launch.client_process import Desktop
from ssmgui.services.launch.launcher import Launcher
from tests.cli.test_real_clients import Sshd, aws_flags, demo_env, require
from tests.services.launch.md4 import nt_hash
from tests.tunnel_fixtures import LINUX, World

pytestmark = pytest.mark.real_clients

RDP_USER, RDP_PASSWORD = "tester", "Secret1!"


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    server = Sshd(tmp_path)
    server.start(require("sshd"))
    yield server
    server.stop()


async def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    import asyncio

    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_ssh_and_scp_by_instance_id_with_the_generated_snippet(
    world: World, sshd: Sshd, tmp_path: Path
) -> None:
    world.fake.instances[LINUX].ports[22] = ("127.0.0.1", sshd.port)
    snippet = ssh_config_snippet(
        [sys.executable, "-m", "ssmgui"], "", "eu-west-1", user=getpass.getuser(),
        key_path=str(sshd.key), proxy_options=aws_flags(world),
    )  # fmt: skip
    config = tmp_path / "ssh_config"
    config.write_text(
        snippet + "Host *\n    StrictHostKeyChecking no\n    UserKnownHostsFile /dev/null\n"
        "    BatchMode yes\n    LogLevel ERROR\n"
    )
    code, out, err = await run(
        require("ssh"), "-F", str(config), LINUX, "echo", "hi-$USER", env=demo_env()
    )
    assert code == 0, err
    assert out.strip() == f"hi-{getpass.getuser()}"

    payload = tmp_path / "payload.bin"
    payload.write_bytes(os.urandom(256 << 10))
    copy = tmp_path / "copy.bin"
    code, _, err = await run(
        require("scp"), "-O", "-F", str(config), str(payload), f"{LINUX}:{copy}", env=demo_env()
    )
    assert code == 0, err
    assert copy.read_bytes() == payload.read_bytes()
    assert all(s.document == "AWS-StartSSHSession" for s in world.fake.sessions.values())


async def test_launcher_ssh_reaches_sshd_through_a_port_tunnel(
    world: World, sshd: Sshd, tmp_path: Path
) -> None:
    world.fake.instances[LINUX].ports[22] = ("127.0.0.1", sshd.port)
    require("ssh")
    tunnel = await world.tunnel(LINUX, 22)
    known_hosts, out = tmp_path / "known_hosts", tmp_path / "out"
    # A "terminal" that runs the launcher's ssh argv non-interactively: OpenSSH reads the
    # options after the destination, then the remote command.
    terminal = (
        f'sh -c "{{command}} -o BatchMode=yes -o StrictHostKeyChecking=accept-new '
        f"-o UserKnownHostsFile={known_hosts} -o LogLevel=ERROR 'echo via-tunnel' > {out} 2>&1\""
    )
    settings = dataclasses.replace(
        Settings(), ssh_user=getpass.getuser(), ssh_key_path=str(sshd.key),
        terminal_command=terminal,
    )  # fmt: skip
    try:
        client = await Launcher(Desktop(HostOs.LINUX)).open_ssh(
            tunnel.local_port, settings, instance_id=LINUX
        )
        assert await client.wait() == 0, out.read_text()
    finally:
        await tunnel.stop(reason="test over")
    assert out.read_text().strip() == "via-tunnel"

    # HostKeyAlias: known_hosts is keyed by the instance id, not [127.0.0.1]:port.
    # (Debian hashes known_hosts names, so ask ssh-keygen.)
    def known(name: str) -> bool:
        keygen = require("ssh-keygen")
        found = subprocess.run([keygen, "-F", name, "-f", str(known_hosts)], check=False)
        return found.returncode == 0

    assert known(LINUX)
    assert not known(f"[127.0.0.1]:{tunnel.local_port}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RdpServer:
    """Xvfb and FreeRDP's shadow server with NLA against a one-user SAM file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.processes: list[subprocess.Popen[bytes]] = []
        self.display = ""
        self.port = 0
        self.log = (directory / "rdp-server.log").open("wb")

    def start(self) -> None:
        xvfb, shadow = require("Xvfb"), require("freerdp-shadow-cli")
        read_fd, write_fd = os.pipe()
        self.processes.append(subprocess.Popen(
            [xvfb, "-displayfd", str(write_fd), "-screen", "0", "800x600x24", "-nolisten", "tcp"],
            pass_fds=[write_fd], stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        os.close(write_fd)
        with os.fdopen(read_fd) as stream:
            self.display = ":" + stream.readline().strip()
        wait_for_display(self.display)
        sam = self.directory / "SAM"
        sam.write_text(f"{RDP_USER}::aad3b435b51404eeaad3b435b51404ee:{nt_hash(RDP_PASSWORD)}:::\n")
        self.port = free_port()
        self.processes.append(subprocess.Popen(
            [shadow, f"/port:{self.port}", "/bind-address:127.0.0.1", "/sec:nla",
             f"/sam-file:{sam}"],
            env={**os.environ, "DISPLAY": self.display}, stdout=self.log, stderr=self.log,
        ))  # fmt: skip
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                dead = [str(p.args) for p in self.processes if p.poll() is not None]
                if dead:
                    log = Path(self.log.name).read_text()
                    raise ServerDiedError(f"{dead} died: {log}") from None
                subprocess.run(["sleep", "0.05"], check=True)
        raise AssertionError("the shadow server did not start listening")

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            process.wait(10)
        self.log.close()


def wait_for_display(display: str) -> None:
    """Until the X server accepts a client: once, the shadow server started right after
    Xvfb named its display and failed with "failed to open display"."""
    path = f"/tmp/.X11-unix/X{display.lstrip(':')}"
    for _ in range(100):
        with socket.socket(socket.AF_UNIX) as probe:
            if probe.connect_ex(path) == 0:
                return
        subprocess.run(["sleep", "0.05"], check=True)
    raise AssertionError(f"Xvfb on {display} accepts no client")


class ServerDiedError(Exception):
    """Xvfb or the shadow server exited while starting."""


@pytest.fixture
def rdp_server(tmp_path: Path) -> Iterator[RdpServer]:
    """A started server. The shadow server has twice failed to open a fresh Xvfb's display
    (":0", "unsupported X11 server color depth: 0") in a full run and never alone, so a
    start is tried on a new Xvfb up to three times; the reasons of failed tries are kept."""
    failures: list[str] = []
    for attempt in range(3):
        directory = tmp_path / f"start-{attempt}"
        directory.mkdir()
        server = RdpServer(directory)
        try:
            server.start()
        except ServerDiedError as exc:
            failures.append(str(exc))
            server.stop()
            continue
        try:
            yield server
        finally:
            server.stop()
        return
    pytest.fail("the RDP server never started:\n" + "\n".join(failures))


@pytest.mark.parametrize(("user", "accepted"), [(RDP_USER, True), ("intruder", False)])
async def test_xfreerdp_authenticates_with_our_rdp_file_through_a_tunnel(
    world: World, rdp_server: RdpServer, tmp_path: Path, user: str, accepted: bool
) -> None:
    xfreerdp = require("xfreerdp")
    world.fake.instances[LINUX].ports[3389] = ("127.0.0.1", rdp_server.port)
    tunnel = await world.tunnel(LINUX, 3389)
    # The launcher's own argv for FreeRDP 2 (.rdp file, /cert-tofu), plus +auth-only so it
    # authenticates and exits instead of opening a session window; the user name and the
    # address come from the .rdp file only.
    argv = [*rdp_client_argv(HostOs.LINUX, xfreerdp, "{file}"), "+auth-only", f"/p:{RDP_PASSWORD}"]
    settings = dataclasses.replace(Settings(), rdp_user=user, rdp_command=shlex.join(argv))
    env = {**os.environ, "DISPLAY": rdp_server.display, "HOME": str(tmp_path)}
    try:
        client = await Launcher(Desktop(HostOs.LINUX, env=env)).open_rdp(
            tunnel.local_port, settings
        )
        code = await client.wait()
    finally:
        await tunnel.stop(reason="test over")
    assert (code == 0) is accepted, code
    assert list(tmp_path.glob("ssmgui-rdp-*")) == []
    # /cert-tofu stored the shadow server's certificate instead of prompting.
    assert list((tmp_path / ".config" / "freerdp").rglob("*")) != []
