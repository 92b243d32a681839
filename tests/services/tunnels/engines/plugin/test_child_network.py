"""The plugin goes where botocore goes: the argv and environment the engine gives the child
(`child_command`) say, for the SSM API and the data channel, the endpoint, proxy and CA
bundle botocore itself chose for the same profile.

The reference is botocore's own state, not our transport module: the endpoint of an SSM
client made by `botocore.session.Session(profile=…)`, and the proxy and `verify` value of
the HTTP session botocore built for a client of each URL. Profiles: `endpoint_url` (a VPC
endpoint), `use_fips_endpoint`, a proxy with a NO_PROXY exception, `ca_bundle`. No secret
(keys, session token, the StartSession token) is ever in argv.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
import pytest
from botocore.httpsession import get_cert_path

from ssmgui.core.tunnel import port_forwarding_request
from ssmgui.services.tunnels.engines.plugin.engine import PluginEngine, child_command
from ssmgui.services.tunnels.engines.plugin.locator import PluginProgram
from ssmgui.services.tunnels.session_api import session_api_for
from ssmgui.ssm.channel import StreamEndpoint

KEYS = "aws_access_key_id = AKIAPLUGINTEST\naws_secret_access_key = plugin-secret-key\n"
TOKEN_VALUE = "start-session-token-secret"
PROGRAM = PluginProgram(("/opt/session-manager-plugin",), "1.2.764.0")
PROXY = "http://user:proxy-password@proxy.corp.example:3128"


class NoProgram:
    async def locate(self) -> PluginProgram:
        return PROGRAM


def _profiles(ca_file: Path) -> str:
    return (
        f"[profile plain]\nregion = eu-west-1\n{KEYS}\n"
        f"[profile vpce]\nregion = eu-west-1\n{KEYS}"
        "endpoint_url = https://vpce-0a1b.ssm.eu-west-1.vpce.amazonaws.com\n\n"
        f"[profile fips]\nregion = us-east-1\nuse_fips_endpoint = true\n{KEYS}\n"
        f"[profile gov]\nregion = us-gov-west-1\nuse_fips_endpoint = true\n{KEYS}\n"
        f"[profile trusted]\nregion = eu-central-1\nca_bundle = {ca_file}\n{KEYS}\n"
    )


def _stream_url(region: str) -> str:
    return f"wss://ssmmessages.{region}.amazonaws.com/v1/data-channel/s-0a?role=publish_subscribe"


def _botocore_http(profile: str, region: str, url: str | None) -> tuple[str, Any, Any]:
    """botocore's endpoint for SSM, and the proxy and trust its HTTP session uses for
    `url` (a client made for that URL; None: the SSM endpoint itself)."""
    core = botocore.session.Session(profile=profile)
    client: Any = core.create_client("ssm", region_name=region, endpoint_url=url)
    target = url or client.meta.endpoint_url
    http = client._endpoint.http_session  # botocore's own choice, as it will use it
    proxy = http._proxy_config.proxy_url_for(target)
    # The file botocore's urllib3 session loads for that `verify` value (True: its default).
    return client.meta.endpoint_url, proxy or None, get_cert_path(http._verify)


async def _child(
    profile: str, region: str, parent: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    session = boto3.Session(botocore_session=botocore.session.Session(profile=profile))
    api = session_api_for(session, profile=profile, region=region)
    engine = PluginEngine(NoProgram(), environ=parent)
    endpoint = StreamEndpoint("s-0a", TOKEN_VALUE, _stream_url(region))
    request = port_forwarding_request("i-0123456789abcdef0", 22, 2222)
    return await child_command(engine, PROGRAM, api, request, endpoint)


@pytest.fixture
def profiles(clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ca_file = tmp_path / "corp-ca.pem"
    ca_file.write_text("not read here: only named\n")
    clean_env.write_text(_profiles(ca_file))
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", ".vpce.amazonaws.com")
    return ca_file


def _https(url: str) -> str:
    return "https" + url[len("wss") :]


@pytest.mark.parametrize(
    ("profile", "region"),
    [
        ("plain", "eu-west-1"),
        ("vpce", "eu-west-1"),
        ("fips", "us-east-1"),
        ("gov", "us-gov-west-1"),
        ("trusted", "eu-central-1"),
    ],
)
async def test_the_child_is_told_botocore_s_endpoint_proxy_and_trust(
    profiles: Path, profile: str, region: str
) -> None:

    argv, env = await _child(profile, region, dict(os.environ))
    endpoint, api_proxy, api_verify = _botocore_http(profile, region, None)
    _, stream_proxy, stream_verify = _botocore_http(profile, region, _https(_stream_url(region)))
    assert argv[-1] == endpoint
    assert argv[2] == region
    api_host, stream_host = urlsplit(endpoint).hostname or "", f"ssmmessages.{region}.amazonaws.com"
    expected_proxy = stream_proxy or api_proxy
    assert env.get("HTTPS_PROXY") == expected_proxy
    direct = [
        host for host, proxy in ((api_host, api_proxy), (stream_host, stream_proxy)) if not proxy
    ]
    assert env.get("NO_PROXY", "") == ",".join(direct)
    assert env["AWS_CA_BUNDLE"] == api_verify
    assert env["SSL_CERT_FILE"] == stream_verify
    for variable in ("https_proxy", "http_proxy", "no_proxy", "HTTP_PROXY"):
        assert variable not in env
    for secret in ("plugin-secret-key", TOKEN_VALUE, "proxy-password"):
        assert not any(secret in argument for argument in argv)
    assert env["AWS_SECRET_ACCESS_KEY"] == "plugin-secret-key"


async def test_the_profile_s_ca_bundle_reaches_the_child_though_no_variable_names_it(
    profiles: Path,
) -> None:

    _, env = await _child("trusted", "eu-central-1", dict(os.environ))
    assert env["AWS_CA_BUNDLE"] == env["SSL_CERT_FILE"] == str(profiles)


async def test_a_vpc_endpoint_exempted_by_no_proxy_is_dialled_directly(profiles: Path) -> None:

    argv, env = await _child("vpce", "eu-west-1", dict(os.environ))
    assert argv[-1] == "https://vpce-0a1b.ssm.eu-west-1.vpce.amazonaws.com"
    assert env["NO_PROXY"] == "vpce-0a1b.ssm.eu-west-1.vpce.amazonaws.com"
    assert env["HTTPS_PROXY"] == PROXY  # the data channel still goes through the proxy


async def test_without_a_proxy_the_parent_s_lowercase_variables_do_not_leak_through(
    clean_env: Path,
) -> None:
    clean_env.write_text(f"[profile plain]\nregion = eu-west-1\n{KEYS}")
    parent = {"PATH": "/usr/bin", "https_proxy": "", "all_proxy": "socks5://x:1"}
    _, env = await _child("plain", "eu-west-1", parent)
    assert "HTTPS_PROXY" not in env and "all_proxy" not in env and "https_proxy" not in env
    assert env["NO_PROXY"] == "ssm.eu-west-1.amazonaws.com,ssmmessages.eu-west-1.amazonaws.com"
