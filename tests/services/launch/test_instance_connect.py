"""EC2 Instance Connect against the fake: a pushed key is kept for 60 s per (instance,
user), pushes within 50 s are not repeated, refusals say what to do, hybrid nodes are
refused before any call; the ephemeral key's private file is 0600 and goes at close()."""

from __future__ import annotations

import asyncio
import stat
import subprocess
from pathlib import Path

import pytest

from ssmgui.core.errors import ConfigurationError
from ssmgui.demo.instance import FakeInstance
from ssmgui.services.launch.instance_connect import (
    KEY_LIFETIME_S,
    REPUSH_AFTER_S,
    EphemeralKey,
    InstanceConnect,
    InstanceConnectError,
    default_public_key,
    public_key_text,
)
from tests.tunnel_fixtures import LINUX, World, boto_session

WINDOWS = "i-0aaaaaaaaaaaaaaw1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def connect_to(world: World, clock: Clock) -> InstanceConnect:
    url = world.fake.api_url
    return InstanceConnect(lambda _profile: boto_session(), lambda *_: url, clock=clock)


async def test_a_pushed_key_lives_60_s_and_is_pushed_again_only_after_50_s(
    world: World,
) -> None:
    clock = Clock()
    world.fake.instance_connect.clock = clock
    connect = connect_to(world, clock)
    key = EphemeralKey().public_openssh
    push = asyncio.to_thread
    assert await push(connect.push, "p", "eu-west-1", LINUX, "ec2-user", key)
    assert world.fake.instance_connect.active_keys(LINUX, "ec2-user") == [key]
    assert world.fake.instance_connect.active_keys(LINUX, "ubuntu") == []
    clock.now += REPUSH_AFTER_S - 1
    assert not await push(connect.push, "p", "eu-west-1", LINUX, "ec2-user", key)
    assert world.fake.instance_connect.calls == 1
    clock.now += 2  # 51 s: pushed again, so ssh still finds it a minute from now
    assert await push(connect.push, "p", "eu-west-1", LINUX, "ec2-user", key)
    clock.now += KEY_LIFETIME_S - 1
    assert world.fake.instance_connect.active_keys(LINUX, "ec2-user") == [key]
    clock.now += 2
    assert world.fake.instance_connect.active_keys(LINUX, "ec2-user") == []


async def test_refusals_name_the_action_and_offer_the_shell(world: World) -> None:
    world.fake.add_instance(FakeInstance(WINDOWS, platform="Windows"))
    connect = connect_to(world, Clock())
    key = EphemeralKey().public_openssh
    world.fake.deny_actions.add("ec2-instance-connect:SendSSHPublicKey")
    with pytest.raises(InstanceConnectError) as denied:
        await asyncio.to_thread(connect.push, "prod", "eu-west-1", LINUX, "ec2-user", key)
    assert "ec2-instance-connect:SendSSHPublicKey" in denied.value.user_message
    assert f"ssmgui shell {LINUX}" in denied.value.user_message
    world.fake.deny_actions.clear()
    with pytest.raises(InstanceConnectError) as windows:
        await asyncio.to_thread(connect.push, "prod", "eu-west-1", WINDOWS, "ec2-user", key)
    assert "does not support Windows" in windows.value.user_message
    with pytest.raises(InstanceConnectError) as unknown:
        await asyncio.to_thread(
            connect.push, "prod", "eu-west-1", "i-0000000000000dead", "ec2-user", key
        )
    assert "does not know i-0000000000000dead" in unknown.value.user_message
    world.fake.instances[LINUX].ping_status = "ConnectionLost"  # the fake's stopped
    with pytest.raises(InstanceConnectError, match=r"is not running .* start it first"):
        await asyncio.to_thread(connect.push, "prod", "eu-west-1", LINUX, "ec2-user", key)


def test_a_hybrid_node_is_refused_before_any_call() -> None:
    def no_session(_profile: str) -> object:
        raise AssertionError("no AWS call for a hybrid node")

    connect = InstanceConnect(no_session)  # type: ignore[arg-type]
    with pytest.raises(InstanceConnectError, match="hybrid"):
        connect.push("p", "eu-west-1", "mi-0123456789abcdef0", "ec2-user", "ssh-ed25519 AAAA")


def test_the_ephemeral_private_key_is_private_works_with_ssh_keygen_and_goes(
    tmp_path: Path,
) -> None:
    key = EphemeralKey(tmp_path)
    path = key.private_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    derived = subprocess.run(
        ["ssh-keygen", "-y", "-f", str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert derived[:2] == key.public_openssh.split()[:2]
    assert key.private_file() == path  # written once
    key.close()
    assert not path.parent.exists()


def test_the_default_public_key_is_the_first_ssh_tries(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="--public-key"):
        default_public_key(tmp_path)
    (tmp_path / ".ssh").mkdir()
    rsa = tmp_path / ".ssh" / "id_rsa.pub"
    rsa.write_text("ssh-rsa AAAAB3Nza me@host\n")
    assert default_public_key(tmp_path) == rsa
    ed = tmp_path / ".ssh" / "id_ed25519.pub"
    ed.write_text("ssh-ed25519 AAAAC3Nza me@host\n")
    assert default_public_key(tmp_path) == ed
    assert public_key_text(ed) == "ssh-ed25519 AAAAC3Nza me@host"
    private = tmp_path / "id_ed25519"
    private.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    with pytest.raises(ConfigurationError, match="not an OpenSSH public key"):
        public_key_text(private)
