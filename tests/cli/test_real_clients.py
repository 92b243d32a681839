"""Real clients through real tunnels: curl via `ssmgui forward`, OpenSSH via `ssmgui ssh-proxy`.

The CLI runs as a separate process against the fake AWS served by this test's event loop.
In CI (CI=true) a missing curl or sshd is a failure, not a skip: .ci/run installs them.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssmgui.demo.world import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
from tests.tunnel_fixtures import HTTP_PORT, LINUX, World


def require(program: str) -> str:
    path = shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/local/sbin")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is missing: scripts/check installs it in CI")
        pytest.skip(f"{program} is not installed")
    return path


def demo_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=DEMO_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=DEMO_SECRET_KEY,
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def aws_flags(world: World) -> list[str]:
    return [
        "--endpoint-url",
        world.fake.api_url,
        "--allow-stream-host",
        world.fake.stream_host,
    ]


async def read_port_line(stream: asyncio.StreamReader) -> int:
    async with asyncio.timeout(30):
        while line := (await stream.readline()).decode():
            if match := re.match(r"Port (\d+) opened", line):
                return int(match.group(1))
    raise AssertionError("ssmgui forward never announced its port")


@pytest.mark.real_clients
async def test_curl_through_ssmgui_forward_then_ctrl_c(world: World) -> None:
    curl = require("curl")
    forward = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ssmgui",
        "forward",
        LINUX,
        "--remote-port",
        str(HTTP_PORT),
        *aws_flags(world),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=demo_env(),
    )
    try:
        assert forward.stdout is not None
        port = await read_port_line(forward.stdout)
        hosts = ["127.0.0.1", "[::1]"] if socket.has_ipv6 else ["127.0.0.1"]
        for host in hosts:
            fetch = await asyncio.create_subprocess_exec(
                curl,
                "-sS",
                "-g",
                "--max-time",
                "20",
                f"http://{host}:{port}/",
                stdout=asyncio.subprocess.PIPE,
            )
            page, _ = await fetch.communicate()
            assert fetch.returncode == 0
            assert b"ssmgui demo web server" in page
        session_id = world.only_session()
        assert not world.fake.sessions[session_id].terminated
    finally:
        forward.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(forward.communicate(), 30)
    assert forward.returncode == 130, stderr.decode()
    assert world.fake.sessions[session_id].terminated
    assert DEMO_SECRET_KEY.encode() not in stderr


@pytest.mark.slow
async def test_forward_to_a_busy_port_says_so_and_exits_2(world: World) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        forward = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ssmgui",
            "forward",
            LINUX,
            "--remote-port",
            "80",
            "--local-port",
            str(holder.getsockname()[1]),
            *aws_flags(world),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=demo_env(),
        )
        _, stderr = await asyncio.wait_for(forward.communicate(), 30)
    finally:
        holder.close()
    assert forward.returncode == 2
    assert b"is already in use by another program" in stderr
    assert b"Traceback" not in stderr


class Sshd:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.key = directory / "client_key"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, sshd: str) -> None:
        keygen = require("ssh-keygen")
        for name in ("host_key", "client_key"):
            subprocess.run(
                [keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(self.directory / name)],
                check=True,
            )
        authorized = self.directory / "authorized_keys"
        authorized.write_bytes((self.directory / "client_key.pub").read_bytes())
        authorized.chmod(0o600)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = self.directory / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.directory}/host_key\n"
            f"AuthorizedKeysFile {authorized}\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            f"PidFile {self.directory}/sshd.pid\nPermitRootLogin prohibit-password\n"
        )
        Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
        self.process = subprocess.Popen(
            [sshd, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE
        )
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                assert self.process is not None and self.process.poll() is None, "sshd died"
                subprocess.run(["sleep", "0.05"], check=True)
        raise AssertionError("sshd did not start listening")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    server = Sshd(tmp_path)
    server.start(require("sshd"))
    yield server
    server.stop()


def ssh_command(world: World, server: Sshd, remote: str) -> list[str]:
    proxy = " ".join([sys.executable, "-m", "ssmgui", "ssh-proxy", *aws_flags(world), "%h", "%p"])
    return [
        require("ssh"), "-F", os.devnull, "-i", str(server.key), "-o", "IdentitiesOnly=yes",
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", f"ProxyCommand={proxy}",
        f"{getpass.getuser()}@{LINUX}", remote,
    ]  # fmt: skip


@pytest.mark.real_clients
async def test_openssh_through_ssh_proxy_runs_commands_and_copies_bytes(
    world: World, sshd: Sshd, tmp_path: Path
) -> None:
    world.fake.instances[LINUX].ports[22] = ("127.0.0.1", sshd.port)
    ssh = await asyncio.create_subprocess_exec(
        *ssh_command(world, sshd, "echo hello-from-sshd"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=demo_env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(ssh.communicate(), 60)
    assert ssh.returncode == 0, err.decode()
    assert out.strip() == b"hello-from-sshd"

    payload = os.urandom(2 << 20)
    copy = tmp_path / "copy.bin"
    ssh = await asyncio.create_subprocess_exec(
        *ssh_command(world, sshd, f"cat > {copy}"),
        stdin=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=demo_env(),
    )  # fmt: skip
    _, err = await asyncio.wait_for(ssh.communicate(payload), 60)
    assert ssh.returncode == 0, err.decode()
    assert hashlib.sha256(copy.read_bytes()).digest() == hashlib.sha256(payload).digest()
    sessions = world.fake.sessions.values()
    assert len(sessions) == 2
    assert all(s.document == "AWS-StartSSHSession" and s.mode == "basic" for s in sessions)
    # OpenSSH sends SIGHUP to the ProxyCommand as it exits: the proxy still terminates.
    async with asyncio.timeout(15):
        while not all(s.terminated for s in sessions):
            await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_sigterm_stops_forward_cleanly(world: World) -> None:
    forward = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ssmgui", "forward", LINUX, "--remote-port", "80",
        *aws_flags(world), stdout=asyncio.subprocess.PIPE, env=demo_env(),
    )  # fmt: skip
    assert forward.stdout is not None
    await read_port_line(forward.stdout)
    forward.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(forward.wait(), 30) == 0
    assert world.fake.sessions[world.only_session()].terminated


@pytest.mark.real_clients
async def test_connect_opens_the_client_and_closes_the_tunnel_when_it_exits(
    world: World, tmp_path: Path
) -> None:
    require("curl")
    page = tmp_path / "page.html"
    settings_dir = tmp_path / "config" / "ssmgui"
    settings_dir.mkdir(parents=True)
    (settings_dir / "settings.json").write_text(
        json.dumps({"browser_command": f"curl -sS --max-time 20 -o {page} {{url}}"})
    )
    env = demo_env() | {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    connect = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ssmgui", "connect", LINUX, "http", "--region", "eu-west-1",
        *aws_flags(world), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(connect.communicate(), 60)
    assert connect.returncode == 0, err.decode()
    assert b"tunnel ready on 127.0.0.1:" in out
    assert "ssmgui demo web server" in page.read_text()
    assert world.fake.sessions[world.only_session()].terminated
    saved = json.loads((settings_dir / "settings.json").read_text())
    assert saved["preferred_ports"] == {f"{LINUX}/http": int(out.split(b":")[-1].split(b".")[0])}
