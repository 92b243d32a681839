"""Profiles share one botocore data loader (the service models are parsed once per
process), and each still resolves its own endpoints, as botocore alone resolves them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import pytest

from ssmgui.services.aws.clients import AwsClients

KEYS = "aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = example\n"
PROFILES = {
    "plain": ("eu-west-1", ""),
    "vpce": ("eu-west-1", "endpoint_url = https://vpce-0a1b.ssm.eu-west-1.vpce.amazonaws.com\n"),
    "fips": ("us-east-1", "use_fips_endpoint = true\n"),
    "dual": ("ap-southeast-2", "use_dualstack_endpoint = true\n"),
    "sovereign": ("eusc-de-east-1", ""),
}


@pytest.fixture
def profiles(clean_env: Path) -> None:
    clean_env.write_text(
        "".join(
            f"[profile {name}]\nregion = {region}\n{extra}{KEYS}\n"
            for name, (region, extra) in PROFILES.items()
        )
    )


def _endpoint(core: botocore.session.Session, region: str, service: str) -> str:
    client: Any = core.create_client(service, region_name=region)
    return str(client.meta.endpoint_url)


@pytest.mark.usefixtures("profiles")
def test_every_profile_shares_one_loader_and_keeps_its_own_endpoints() -> None:
    clients = AwsClients()
    sessions = {name: clients.core_session(name) for name in PROFILES}
    loaders = {id(core.get_component("data_loader")) for core in sessions.values()}
    assert len(loaders) == 1
    for name, (region, _extra) in PROFILES.items():
        alone = botocore.session.Session(profile=name)  # botocore's own, unshared
        for service in ("ssm", "ec2", "sts"):
            assert _endpoint(sessions[name], region, service) == _endpoint(alone, region, service)


@pytest.mark.usefixtures("profiles")
def test_a_profile_with_its_own_data_path_gets_its_own_loader(
    clean_env: Path, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    clean_env.write_text(clean_env.read_text() + f"[profile custom]\ndata_path = {models}\n{KEYS}")
    clients = AwsClients()
    shared = clients.core_session("plain").get_component("data_loader")
    own = clients.core_session("custom").get_component("data_loader")
    assert own is not shared
    assert str(models) in own.search_paths
