"""Real OpenSSH with nothing placed on the instance: `ssmgui ssh-proxy --push-key` pushes the
public key to the fake EC2 Instance Connect, and a real sshd whose only source of keys is
that fake (AuthorizedKeysCommand = curl of the fake's instance metadata, as the
ec2-instance-connect package reads the real one) lets ssh and scp in; without a push it
refuses. The same through the warm helper (ssmgui broker), which runs the same code.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ssmgui.demo.ec2.instance_connect import ACTIVE_KEYS_PATH, IMDS_PREFIX
from tests.cli.test_real_clients import Sshd, aws_flags, demo_env, require
from tests.tunnel_fixtures import LINUX, World

pytestmark = [pytest.mark.real_clients, pytest.mark.slow]


class PushedKeysSshd(Sshd):
    """sshd on loopback that accepts only the keys pushed to the fake for LINUX."""

    def start_reading(self, sshd: str, api_url: str) -> None:
        keygen = require("ssh-keygen")
        for name in ("host_key", "client_key"):
            subprocess.run(
                [keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(self.directory / name)],
                check=True,
            )
        self.port = _free_port()
        url = f"{api_url}{IMDS_PREFIX}{LINUX}{ACTIVE_KEYS_PATH}%u/"
        config = self.directory / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.directory}/host_key\n"
            f"AuthorizedKeysFile none\nAuthorizedKeysCommand {require('curl')} -sf {url}\n"
            f"AuthorizedKeysCommandUser {getpass.getuser()}\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            f"PidFile {self.directory}/sshd.pid\nPermitRootLogin prohibit-password\n"
            "Subsystem sftp internal-sftp\n"  # scp and sftp speak SFTP
        )
        Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
        self.process = subprocess.Popen(
            [sshd, "-D", "-e", "-f", str(config)], stderr=subprocess.DEVNULL
        )
        self._wait_until_listening()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def pushed_sshd(world: World, tmp_path: Path) -> AsyncIterator[PushedKeysSshd]:
    server = PushedKeysSshd(tmp_path)
    server.start_reading(require("sshd"), world.fake.api_url)
    world.fake.instances[LINUX].ports[22] = ("127.0.0.1", server.port)
    yield server
    server.stop()


def eic_env(world: World, **extra: str) -> dict[str, str]:
    return demo_env() | {
        "AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT": world.fake.api_url,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        **extra,
    }


def proxy_command(world: World, server: Sshd, *, push: bool) -> str:
    push_options = ["--push-key", "--os-user", "%r", "--public-key", f"{server.key}.pub"]
    options = [*aws_flags(world), *(push_options if push else [])]
    return " ".join([sys.executable, "-m", "ssmgui", "ssh-proxy", *options, "%h", "%p"])


def ssh_options(world: World, server: Sshd, *, push: bool) -> list[str]:
    return [
        "-F", os.devnull, "-i", str(server.key), "-o", "IdentitiesOnly=yes",
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
        "-o", f"ProxyCommand={proxy_command(world, server, push=push)}",
    ]  # fmt: skip


async def run(argv: list[str], env: dict[str, str]) -> tuple[int, bytes, bytes]:
    child = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
    )
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode is not None
    return child.returncode, out, err


async def test_ssh_and_scp_get_in_with_a_pushed_key_and_not_without(
    world: World, pushed_sshd: PushedKeysSshd, tmp_path: Path
) -> None:
    user_at = f"{getpass.getuser()}@{LINUX}"
    ssh = require("ssh")
    status, _, err = await run(
        [ssh, *ssh_options(world, pushed_sshd, push=False), user_at, "true"], eic_env(world)
    )
    assert status == 255 and b"Permission denied" in err
    assert world.fake.instance_connect.calls == 0

    command = [ssh, *ssh_options(world, pushed_sshd, push=True), user_at, "echo pushed-in"]
    status, out, err = await run(command, eic_env(world))
    assert status == 0, err.decode()
    assert out.strip() == b"pushed-in"
    assert world.fake.instance_connect.calls == 1
    pushed = world.fake.instance_connect.active_keys(LINUX, getpass.getuser())
    assert pushed == [(Path(f"{pushed_sshd.key}.pub").read_text().strip())]

    source, copy = tmp_path / "source.bin", tmp_path / "copy.bin"
    source.write_bytes(os.urandom(300_000))
    scp = [require("scp"), *ssh_options(world, pushed_sshd, push=True), str(source),
           f"{user_at}:{copy}"]  # fmt: skip
    status, _, err = await run(scp, eic_env(world))
    assert status == 0, err.decode()
    assert copy.read_bytes() == source.read_bytes()


async def test_the_warm_helper_pushes_the_key_too(
    world: World, pushed_sshd: PushedKeysSshd, tmp_path: Path
) -> None:
    env = eic_env(world, SSMGUI_BROKER="on", XDG_RUNTIME_DIR=str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    helper = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ssmgui", "broker", "--linger", "60", "--announce",
        stdout=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        async with asyncio.timeout(20):
            while not list((tmp_path / "run" / "ssmgui").glob("broker-*.sock")):
                await asyncio.sleep(0.05)
        command = [require("ssh"), *ssh_options(world, pushed_sshd, push=True),
                   f"{getpass.getuser()}@{LINUX}", "echo through-the-helper"]  # fmt: skip
        status, out, err = await run(command, env)
        assert status == 0, err.decode()
        assert out.strip() == b"through-the-helper"
        assert helper.stdout is not None
        served = await asyncio.wait_for(helper.stdout.readline(), 10)
        assert served.decode() == f"serving ssh-proxy {LINUX} 22\n"
        assert world.fake.instance_connect.calls == 1
    finally:
        subprocess.run(["rm", "-rf", str(tmp_path / "run")], check=True)
        assert await asyncio.wait_for(helper.wait(), 20) == 0


async def test_connect_ssh_logs_in_with_a_key_made_and_pushed_for_the_run(
    world: World, pushed_sshd: PushedKeysSshd, tmp_path: Path
) -> None:
    """`ssmgui connect … ssh --push-key`: ssh gets `-i <the run's key> -o IdentitiesOnly=yes`,
    the key is pushed just before, and its private file is gone when connect ends."""
    said = tmp_path / "said.txt"
    wrapper = tmp_path / "terminal.sh"  # stands in for the terminal: runs ssh, no questions
    wrapper.write_text(
        '#!/bin/sh\nssh="$1"; shift\nprintf "%s\\n" "$@" > ' + f"{tmp_path}/argv.txt\n"
        'exec "$ssh" -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null '
        f'-o BatchMode=yes -o LogLevel=ERROR "$@" "echo via-connect" > {said} 2>&1\n'
    )
    wrapper.chmod(0o700)
    config = tmp_path / "config" / "ssmgui"
    config.mkdir(parents=True)
    settings = {"terminal_command": f"{wrapper} {{command}}"}
    (config / "settings.json").write_text(json.dumps(settings))
    env = eic_env(world, XDG_CONFIG_HOME=str(tmp_path / "config"), TMPDIR=str(tmp_path))
    status, out, err = await run(
        [sys.executable, "-m", "ssmgui", "connect", LINUX, "ssh", "--push-key", "--os-user",
         getpass.getuser(), "--region", "eu-west-1", *aws_flags(world)], env,
    )  # fmt: skip
    assert status == 0, err.decode()
    assert b"pushed with EC2 Instance Connect" in out
    assert said.read_text().strip() == "via-connect"
    argv = (tmp_path / "argv.txt").read_text().splitlines()
    key_file = Path(argv[argv.index("-i") + 1])
    assert argv[argv.index("-i") + 2 : argv.index("-i") + 4] == ["-o", "IdentitiesOnly=yes"]
    assert key_file.name == "id_ed25519" and key_file.parent.parent == tmp_path
    assert not key_file.parent.exists()  # the run's private key went with the run
    assert world.fake.instance_connect.calls == 1
