"""The fake IAM Identity Center answers botocore's own `sso-oidc` and `sso` clients as AWS
does: errors by exception name, registrations that expire, tokens the portal checks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.identity.conftest import FakeClock
from tests.sso_world import SsoWorld, running_sso, sso_clients


@pytest.fixture(name="world")
def world_fixture() -> Iterator[tuple[SsoWorld, FakeClock, Any, Any]]:
    clock = FakeClock()
    with running_sso(clock) as world:
        oidc, portal = sso_clients(world.fake.url)
        yield world, clock, oidc, portal


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_browser_clients_must_redirect_to_loopback(
    world: tuple[SsoWorld, FakeClock, Any, Any],
) -> None:
    _, _, oidc, _ = world
    with pytest.raises(ClientError) as refused:
        oidc.register_client(
            clientName="x",
            clientType="public",
            grantTypes=["authorization_code"],
            redirectUris=["https://example.com/callback"],
        )
    assert _code(refused) == "InvalidRedirectUriException"
    with pytest.raises(ClientError) as unsupported:
        oidc.register_client(clientName="x", clientType="public", grantTypes=["password"])
    assert _code(unsupported) == "UnsupportedGrantTypeException"


def test_a_registration_expires(world: tuple[SsoWorld, FakeClock, Any, Any]) -> None:
    w, clock, oidc, _ = world
    client = oidc.register_client(clientName="x", clientType="public")
    clock.advance(timedelta(days=91))
    with pytest.raises(ClientError) as expired:
        oidc.start_device_authorization(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            startUrl=w.fake.start_url,
        )
    assert _code(expired) == "InvalidClientException"


def test_a_device_code_for_another_portal_is_refused(
    world: tuple[SsoWorld, FakeClock, Any, Any],
) -> None:
    _, _, oidc, _ = world
    client = oidc.register_client(clientName="x", clientType="public")
    with pytest.raises(ClientError) as refused:
        oidc.start_device_authorization(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            startUrl="https://other.awsapps.com/start",
        )
    assert _code(refused) == "InvalidRequestException"


def test_the_portal_checks_the_token_and_its_expiry(
    world: tuple[SsoWorld, FakeClock, Any, Any],
) -> None:
    w, clock, oidc, portal = world
    client = oidc.register_client(clientName="x", clientType="public")
    device = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=w.fake.start_url
    )
    assert w.call(lambda: w.fake.approve_device(device["userCode"]))
    token = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="urn:ietf:params:oauth:grant-type:device_code",
        deviceCode=device["deviceCode"],
    )
    assert "refreshToken" not in token  # registered without scopes
    roles = portal.list_account_roles(accessToken=token["accessToken"], accountId="111111111111")
    assert [r["roleName"] for r in roles["roleList"]] == ["Admin", "Dev"] and roles["nextToken"]
    with pytest.raises(ClientError) as unknown:
        portal.get_role_credentials(
            accessToken=token["accessToken"], accountId="111111111111", roleName="Ops"
        )
    assert _code(unknown) == "ResourceNotFoundException"
    clock.advance(timedelta(hours=8))
    with pytest.raises(ClientError) as expired:
        portal.list_accounts(accessToken=token["accessToken"])
    assert _code(expired) == "UnauthorizedException"
