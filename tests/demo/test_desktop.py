"""The demo desktop world end to end, through the real services the GUI uses."""

from __future__ import annotations

import asyncio
import os
import urllib.request
from collections.abc import AsyncIterator

import boto3
import psutil
import pytest

from ssmgui import cli
from ssmgui.cli.demo_check import ScriptedPrompt, demo_identity
from ssmgui.core.credentials import MfaRequest
from ssmgui.core.errors import MfaError, SsmGuiError
from ssmgui.core.tunnel import TunnelKind, TunnelSpec, port_forwarding_request
from ssmgui.demo.desktop.world import DemoDesktop, start_demo_desktop
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles, load_profiles
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.identity_facade import IdentityFacade
from ssmgui.services.inventory.service import InventoryService
from ssmgui.services.inventory.sessions import ProfileSessions
from ssmgui.services.settings_store import SettingsService
from ssmgui.services.tunnels.engines.native import NativeEngine, open_port_tunnel
from ssmgui.services.tunnels.manager import TunnelManager
from ssmgui.services.tunnels.session_api import session_api_for
from ssmgui.ssm.channel import ChannelOptions

PROD_REGION = "eu-west-1"


@pytest.fixture
async def desktop() -> AsyncIterator[DemoDesktop]:
    world = await start_demo_desktop()
    world.apply_environment()
    yield world
    await world.stop()


def _say(_text: str) -> None:
    """The tests do not print the prompt's narration."""


def _listening_ports() -> set[int]:
    connections = psutil.Process().net_connections(kind="tcp")
    return {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}


@pytest.mark.slow
async def test_one_mfa_prompt_serves_prod_and_the_staging_role(desktop: DemoDesktop) -> None:
    prompt = ScriptedPrompt(_say)
    identity = demo_identity(desktop, prompt)
    prod = await identity.login_async("demo-prod")
    assert prod.arn == "arn:aws:iam::111111111111:user/demo-user" and prod.expires_at
    staging = await identity.whoami_async("demo-staging")
    assert staging.arn.startswith("arn:aws:sts::222222222222:assumed-role/demo-staging-admin/")
    dev = await identity.whoami_async("demo-dev")
    assert dev.arn.endswith(":user/demo-developer") and dev.expires_at is None
    assert prompt.count == 1


class _Answers:
    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.problems: list[str | None] = []

    def __call__(self, request: MfaRequest) -> str:
        self.problems.append(request.problem)
        return self.answers.pop(0)


@pytest.mark.slow
async def test_000000_is_refused_with_a_clear_message(desktop: DemoDesktop) -> None:
    answers = _Answers("000000", "000000", "000000")
    identity = IdentityService(
        load_profiles=lambda: load_profiles(
            AwsFiles(desktop.config_file, desktop.credentials_file), {}
        ),
        store=SecretStore(None),
        clients=AwsClients(endpoint_url=desktop.sts_endpoint),
        prompt=answers,
        sso_cache_dir=desktop.config_file.parent / "sso",
    )
    with pytest.raises(MfaError, match="rejected the MFA code for 'demo-prod'") as caught:
        await identity.login_async("demo-prod")
    assert "3 attempts failed" in caught.value.user_message
    assert answers.problems[0] is None and "rejected" in (answers.problems[1] or "")


async def test_inventory_lists_every_pair_with_names(desktop: DemoDesktop) -> None:
    identity = demo_identity(desktop, ScriptedPrompt(_say))
    sessions = ProfileSessions(identity.session_for, endpoint_url_for=desktop.endpoint_for)
    results = await InventoryService(sessions).refresh(desktop.pairs)
    assert {(r.profile, r.region) for r in results} == set(desktop.pairs)
    assert len(desktop.pairs) == 9 and all(r.ok and r.instances for r in results)
    assert 300 <= sum(len(r.instances) for r in results) <= 500
    prod = next(r for r in results if (r.profile, r.region) == ("demo-prod", PROD_REGION))
    names = {i.name: i for i in prod.instances}
    for name, instance_id in desktop.featured.items():
        assert names[name].instance_id == instance_id
    assert not names["demo-old-agent"].supports_port_forwarding
    assert not names["demo-offline"].online


async def test_native_tunnel_serves_the_page_with_sigv4_verified(desktop: DemoDesktop) -> None:
    fake = desktop.fleet.ssm["demo-prod", PROD_REGION]
    assert fake.sigv4 == "verify" and not fake.accept_unknown_keys
    identity = demo_identity(desktop, ScriptedPrompt(_say))
    facade = IdentityFacade(identity, ssm_endpoint_for=desktop.ssm_endpoint_for)
    options = ChannelOptions(allowed_hosts=desktop.stream_hosts)
    manager = TunnelManager(
        api_for=facade.api_for,
        engine=lambda: NativeEngine(options),
        settings=SettingsService(None),
    )
    web = desktop.featured["demo-web"]
    try:
        tunnel = await manager.open(
            TunnelSpec("demo-prod", PROD_REGION, web, TunnelKind.HTTP, 8080)
        )
        page = await asyncio.to_thread(_fetch, f"http://{tunnel.address}/")
        assert "came through an SSM tunnel from ssmgui" in page
    finally:
        await manager.stop_all()
    # Keys the fake STS never issued are refused on the data channel.
    stranger = boto3.Session(
        aws_access_key_id="AKIASTRANGER00000000",
        aws_secret_access_key="not-known",
        region_name=PROD_REGION,
    )
    api = session_api_for(stranger, profile="stranger", endpoint_url=fake.api_url)
    with pytest.raises(SsmGuiError, match="HTTP 403"):
        await open_port_tunnel(api, port_forwarding_request(web, 80), options=options)


async def test_stop_closes_everything_and_restores_the_environment() -> None:
    before = _listening_ports()
    saved = os.environ.get("AWS_CONFIG_FILE")
    world = await start_demo_desktop()
    restore = world.apply_environment()
    assert os.environ["AWS_CONFIG_FILE"] == str(world.config_file)
    assert "AWS_ENDPOINT_URL" not in world.environment
    assert world.credentials_file.stat().st_mode & 0o777 == 0o600
    assert world.endpoint_for("demo-dev", "us-east-1", "ec2") is not None
    assert world.endpoint_for("demo-dev", "us-east-1", "iam") == world.sts_endpoint
    assert world.endpoint_for("demo-dev", "ap-south-1", "ssm") is None
    assert len(_listening_ports() - before) >= 9 * 3 + 1
    await world.stop()
    restore()  # idempotent after stop()
    assert _listening_ports() <= before
    assert os.environ.get("AWS_CONFIG_FILE") == saved
    assert not world.config_file.parent.exists()


@pytest.mark.slow
def test_the_self_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo", "check"]) == 0
    out = capsys.readouterr().out
    assert "answering 123456" in out and "Demo self-check passed" in out
    assert "aws_secret_access_key" not in out.lower()


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        body: bytes = answer.read()
    return body.decode()
