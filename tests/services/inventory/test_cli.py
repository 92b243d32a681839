"""`ssmgui list` end to end: AWS files, the fake SSM API and moto's EC2 over HTTP."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from ssmgui.cli import inventory_commands
from tests.services.identity.conftest import MemoryKeyring
from tests.services.inventory.conftest import KEY, PAIRS, WINDOWS_AMI, Fleet

EU = PAIRS[0]


def parser() -> argparse.ArgumentParser:
    built = argparse.ArgumentParser(prog="ssmgui")
    inventory_commands.register(built.add_subparsers(dest="command"))
    return built


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fleet: Fleet) -> Iterator[None]:
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text(f"[profile alpha]\nregion = {EU[1]}\n", encoding="utf-8")
    credentials.write_text(
        f"[alpha]\naws_access_key_id = {KEY}\naws_secret_access_key = {KEY}\n", encoding="utf-8"
    )
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", fleet.fake(*EU).api_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", fleet.moto_url)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


async def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    code: int = await asyncio.to_thread(args.handler, args)
    return code


@pytest.mark.usefixtures("aws_files")
@pytest.mark.slow
async def test_list_json_shape(fleet: Fleet, capsys: pytest.CaptureFixture[str]) -> None:
    web, _db = fleet.launch(*EU, ["web-1", "db-1"])
    [rdp] = fleet.launch(*EU, ["web-rdp"], ami=WINDOWS_AMI, platform="Windows")
    code = await run(["list", "--profile", "alpha", "--json", "--filter", "web"])
    out = capsys.readouterr().out
    assert code == 0
    document = json.loads(out)
    assert [i["instance_id"] for i in document["instances"]] == [web, rdp]
    first = document["instances"][0]
    assert set(first) >= {
        "instance_id",
        "name",
        "platform",
        "ping_status",
        "agent_version",
        "supports_port_forwarding",
        "supports_multiplexing",
        "private_ip",
        "public_ip",
        "profile",
        "region",
        "account",
        "last_ping",
        "tags",
    }
    assert first["profile"] == "alpha" and first["region"] == EU[1]
    assert document["instances"][1]["platform"] == "Windows"
    assert document["regions"] == [{"profile": "alpha", "region": EU[1], "count": 3, "error": None}]
    assert KEY not in out  # no credentials, only ids and names


@pytest.mark.usefixtures("aws_files")
async def test_list_reports_a_denied_region_and_exits_1(
    fleet: Fleet, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet.fake(*EU).deny_actions.add("ssm:DescribeInstanceInformation")
    code = await run(["list", "--profile", "alpha", "--region", EU[1]])
    captured = capsys.readouterr()
    assert code == inventory_commands.EXIT_PARTIAL
    assert "ssm:DescribeInstanceInformation" in captured.err and "alpha/eu-north-1" in captured.err


@pytest.mark.usefixtures("aws_files")
async def test_one_profile_that_cannot_sign_in_does_not_sink_the_others(fleet: Fleet) -> None:
    """Without --profile every profile is listed: one that needs an MFA code with no
    terminal to ask on is reported with what to run, the others are listed, exit code 1.
    The real command, in a session of its own so it has no controlling terminal."""
    fleet.launch(*EU, ["web"])
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text(
        config.read_text(encoding="utf-8") + f"\n[profile needs-mfa]\nregion = {EU[1]}\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
        encoding="utf-8",
    )
    credentials = Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"])
    credentials.write_text(
        credentials.read_text(encoding="utf-8")
        + f"\n[needs-mfa]\naws_access_key_id = {KEY}\naws_secret_access_key = {KEY}\n",
        encoding="utf-8",
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ssmgui", "list",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == inventory_commands.EXIT_PARTIAL, err.decode()
    assert b"web" in out  # alpha was listed
    assert f"needs-mfa/{EU[1]}".encode() in err and b"ssmgui login needs-mfa" in err
    assert b"Traceback" not in err
