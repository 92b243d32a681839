"""The demo desktop's IAM Identity Center: a browser sign-in completed on the fake's own
page (PKCE checked for real), the SSO profile and any (account, role) pair listing their
account's instances through the data channel's SigV4 check, and a session that ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from ssmgui.core.errors import SsoLoginRequiredError
from ssmgui.demo.desktop.sso import REFRESH_WINDOW, SESSION_LIFETIME, SSO_PROFILE, SSO_SESSION
from ssmgui.demo.desktop.world import DemoDesktop, start_demo_desktop
from ssmgui.demo.sso.browser import visit
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles, ProfileCache
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.identity.sso_accounts import SsoDirectory
from ssmgui.services.identity.sso_login import SignInUi, SsoSignIn
from ssmgui.services.identity.sso_role_profiles import SsoRoleProfiles
from ssmgui.services.identity.sso_sessions import find_sso_session
from ssmgui.services.identity_facade import IdentityFacade

REGION = "eu-west-1"


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
async def desktop(tmp_path: Path) -> AsyncIterator[DemoDesktop]:
    world = await start_demo_desktop(directory=tmp_path / "aws", sso_profile=True)
    world.apply_environment()
    yield world
    await world.stop()


def _parts(desktop: DemoDesktop, cache: Path) -> tuple[IdentityFacade, SsoSignIn, AwsClients]:
    clients = AwsClients(endpoint_url=desktop.sts_endpoint, sso_endpoint_url=desktop.sso.url)
    identity = IdentityService(
        load_profiles=ProfileCache(AwsFiles(desktop.config_file, desktop.credentials_file), {}),
        store=SecretStore(None),
        clients=clients,
        prompt=None,  # type: ignore[arg-type]  # no profile here asks for MFA
        sso_cache_dir=cache,
    )
    signer = SsoSignIn(
        clients, cache, _now, SignInUi(open_browser=visit), refresh_window=REFRESH_WINDOW
    )
    facade = IdentityFacade(identity, ssm_endpoint_for=desktop.ssm_endpoint_for, sso=signer)
    return facade, signer, clients


async def _instance_ids(
    desktop: DemoDesktop, session_for: Callable[[str], boto3.Session], name: str
) -> set[str]:
    """The instances `name` lists through the demo's endpoint for it (SigV4 verified)."""

    def listed() -> set[str]:
        url = desktop.endpoint_for(name, REGION, "ssm")
        assert url is not None
        ssm = session_for(name).client("ssm", region_name=REGION, endpoint_url=url)
        rows = ssm.describe_instance_information()["InstanceInformationList"]
        return {row["InstanceId"] for row in rows}

    return await asyncio.to_thread(listed)


async def test_the_config_names_the_fake_and_a_sign_in_lasts_three_minutes(
    desktop: DemoDesktop,
) -> None:
    session = find_sso_session(desktop.config_file, SSO_PROFILE)
    assert session.name == SSO_SESSION and session.start_url == desktop.sso.fake.start_url
    assert session.scopes == ("sso:account:access",)  # so refresh tokens are issued
    assert desktop.sso.fake.oidc.session_lifetime == SESSION_LIFETIME == timedelta(minutes=3)
    assert desktop.profiles == ("demo-prod", "demo-staging", "demo-dev")  # the CLI's three


@pytest.mark.slow
async def test_one_browser_sign_in_serves_the_profile_and_any_account_and_role(
    desktop: DemoDesktop, tmp_path: Path
) -> None:
    facade, signer, clients = _parts(desktop, tmp_path / "sso")
    assert facade.needs_login(SSO_PROFILE)
    await asyncio.gather(*(facade.sign_in(SSO_PROFILE) for _ in range(3)))
    # One browser visit, PKCE verified (botocore may refresh the short demo token too).
    assert desktop.sso.fake.oidc.grants["authorization_code"] == 1
    assert not facade.needs_login(SSO_PROFILE)
    sandbox = await _instance_ids(desktop, facade._identity.session_for, SSO_PROFILE)
    assert len(sandbox) == 4

    session = find_sso_session(desktop.config_file, SSO_PROFILE)
    directory = SsoDirectory(signer, clients, _now)
    everything = await asyncio.to_thread(directory.everything, session)
    assert [a.account.name for a in everything] == [
        "demo-sandbox", "demo-staging", "demo-production", "demo-security",
    ]  # fmt: skip
    pair = await asyncio.to_thread(directory.pair, session, "demo-production", "Ops")
    assert pair.label == "demo-sso:demo-production/Ops"
    credentials = await asyncio.to_thread(directory.credentials, pair)

    def session_for(_name: str) -> boto3.Session:
        return boto3.Session(
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
        )

    production = await _instance_ids(desktop, session_for, pair.label)
    assert len(production) == 4 and not production & sandbox


@pytest.mark.slow
async def test_a_session_that_ends_needs_a_new_sign_in(
    desktop: DemoDesktop, tmp_path: Path
) -> None:
    desktop.sso.fake.oidc.session_lifetime = timedelta(seconds=1)
    facade, signer, _ = _parts(desktop, tmp_path / "sso")
    await facade.sign_in(SSO_PROFILE)
    await asyncio.sleep(1.2)
    assert facade.needs_login(SSO_PROFILE)
    session = find_sso_session(desktop.config_file, SSO_PROFILE)
    with pytest.raises(SsoLoginRequiredError):
        await asyncio.to_thread(signer.token, session)  # the refresh is refused now
    desktop.sso.fake.oidc.session_lifetime = SESSION_LIFETIME
    await facade.sign_in(SSO_PROFILE)
    assert desktop.sso.fake.oidc.grants["authorization_code"] == 2
    assert not facade.needs_login(SSO_PROFILE)


@pytest.mark.slow
async def test_a_chosen_pair_is_a_profile_until_its_sign_in_ends(
    desktop: DemoDesktop, tmp_path: Path
) -> None:
    desktop.sso.fake.oidc.session_lifetime = timedelta(seconds=2)
    facade, signer, clients = _parts(desktop, tmp_path / "sso")
    roles = SsoRoleProfiles(
        signer, SsoDirectory(signer, clients, _now), lambda: desktop.config_file, _now
    )
    facade.roles = roles
    label = "demo-sso:demo-staging/Read"
    roles.choose([f"{SSO_SESSION}/222222222222/Read/demo-staging"])
    assert facade.regions_of(label) == (REGION,) and facade.needs_login(label)
    await facade.sign_in(label)
    assert not facade.needs_login(label) and facade.expires_at(label) is not None
    assert len(await _instance_ids(desktop, facade.session_for, label)) == 4
    await asyncio.sleep(2.2)
    assert facade.needs_login(label)  # the bar and the tray offer the sign-in again
    roles.choose([])
    assert not roles.is_role(label)
