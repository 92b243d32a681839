"""transport.py agrees with botocore: for each setting of proxies and CA bundles, the route
for a URL is what a botocore client of the same profile and config would use for it.

botocore keeps its choice in the client's private `_endpoint.http_session` (`_proxy_config`,
`_verify`): read here, in the test only, and put through the same public function botocore
itself calls on it (`get_cert_path`), so the comparison is with what botocore would send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.httpsession import get_cert_path

from ssmgui.core.errors import ConfigurationError
from ssmgui.services.aws.transport import route_for
from ssmgui.ssm.dial import Route

API = "https://ssm.eu-west-1.amazonaws.com"
STREAM = "wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/s-1?role=publish_subscribe"


@dataclass(frozen=True)
class Case:
    env: dict[str, str] = field(default_factory=dict)
    profile: dict[str, str] = field(default_factory=dict)
    config: Config | None = None
    url: str = API


CASES = {
    "nothing set: botocore's own bundle": Case(),
    "HTTPS_PROXY as host:port": Case(env={"HTTPS_PROXY": "proxy.corp:3128"}),
    "https_proxy with credentials, an https proxy": Case(
        env={"https_proxy": "https://me:p%40ss@proxy.corp:8443"}
    ),
    "the data channel's wss:// uses HTTPS_PROXY": Case(
        env={"HTTPS_PROXY": "http://proxy.corp:3128"}, url=STREAM
    ),
    "HTTP_PROXY alone is not for https": Case(env={"HTTP_PROXY": "http://proxy.corp:3128"}),
    "HTTP_PROXY for an http endpoint": Case(
        env={"HTTP_PROXY": "http://proxy.corp:3128"}, url="http://127.0.0.1:4566"
    ),
    "NO_PROXY domain": Case(
        env={"HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": ".amazonaws.com"}, url=STREAM
    ),
    "NO_PROXY *": Case(env={"HTTPS_PROXY": "proxy.corp:3128", "no_proxy": "*"}),
    "NO_PROXY host with port, matching": Case(
        env={"HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": ".internal, example.com:8443"},
        url="https://a.b.example.com:8443",
    ),
    "NO_PROXY host with port, other port": Case(
        env={"HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": "example.com:8443"},
        url="https://example.com",
    ),
    "NO_PROXY is no suffix match": Case(
        env={"HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": "example.com:8443"},
        url="https://notexample.com:8443",
    ),
    "NO_PROXY 127.0.0.1": Case(
        env={"HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": "localhost,127.0.0.1"},
        url="https://127.0.0.1:4443",
    ),
    "AWS_CA_BUNDLE": Case(env={"AWS_CA_BUNDLE": "/etc/corp/ca.pem"}),
    "ca_bundle in the profile": Case(profile={"ca_bundle": "/home/me/corp.pem"}),
    "AWS_CA_BUNDLE before the profile's": Case(
        env={"AWS_CA_BUNDLE": "/etc/corp/ca.pem"}, profile={"ca_bundle": "/home/me/corp.pem"}
    ),
    "REQUESTS_CA_BUNDLE": Case(env={"REQUESTS_CA_BUNDLE": "/etc/requests.pem"}),
    "the client config's proxies win over the environment": Case(
        env={"HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": "*"},
        config=Config(proxies={"https": "http://configured:8080"}),
    ),
    "the client config's proxy_ca_bundle": Case(
        env={"HTTPS_PROXY": "https://proxy.corp:8443"},
        config=Config(proxies_config={"proxy_ca_bundle": "/etc/proxy-ca.pem"}),
    ),
}


def botocores_route(session: boto3.Session, url: str, config: Config | None) -> Route:
    """What a botocore client made from `session` with `config` would use for `url`."""
    http_url = url.replace("wss://", "https://", 1)
    client: Any = session.client("ssm", endpoint_url=http_url, config=config)
    http = client._endpoint.http_session
    return Route(
        proxy_url=http._proxy_config.proxy_url_for(http_url),
        ca_bundle=get_cert_path(http._verify),
        proxy_ca_bundle=http._proxy_config.settings.get("proxy_ca_bundle"),
    )


def profile_session(config_file: Path, settings: dict[str, str]) -> boto3.Session:
    lines = ["[profile p]", "region = eu-west-1", "aws_access_key_id = AKIDEXAMPLE"]
    lines += ["aws_secret_access_key = secret", *(f"{k} = {v}" for k, v in settings.items())]
    config_file.write_text("\n".join(lines) + "\n")
    return boto3.Session(profile_name="p")


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_the_route_is_botocores(
    case: Case, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    session = profile_session(clean_env, case.profile)
    ours = route_for(session, case.url, case.config)
    assert (ours.proxy_url, ours.ca_bundle, ours.proxy_ca_bundle) == (
        (theirs := botocores_route(session, case.url, case.config)).proxy_url or None,
        theirs.ca_bundle,
        theirs.proxy_ca_bundle,
    )


def test_the_cases_cover_each_kind_of_answer(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison above is not vacuous: the cases reach a proxy, none, each bundle."""
    answers = set()
    for case in CASES.values():
        with monkeypatch.context() as patch:
            for name, value in case.env.items():
                patch.setenv(name, value)
            route = route_for(profile_session(clean_env, case.profile), case.url, case.config)
            answers.add((route.proxy_url, route.ca_bundle, route.proxy_ca_bundle))
    proxies = {proxy for proxy, _, _ in answers}
    bundles = {bundle for _, bundle, _ in answers}
    assert {None, "http://proxy.corp:3128", "https://me:p%40ss@proxy.corp:8443"} <= proxies
    assert "http://configured:8080" in proxies
    assert {get_cert_path(True), "/etc/corp/ca.pem", "/home/me/corp.pem"} <= bundles
    assert "/etc/requests.pem" in bundles
    assert {"/etc/proxy-ca.pem", None} == {proxy_ca for _, _, proxy_ca in answers}


def test_the_session_s_default_client_config_counts(clean_env: Path) -> None:
    session = profile_session(clean_env, {})
    session._session.set_default_client_config(Config(proxies={"https": "http://default:1"}))
    assert route_for(session, STREAM).proxy_url == "http://default:1"
    assert botocores_route(session, STREAM, None).proxy_url == "http://default:1"


def test_an_empty_ca_bundle_is_a_configuration_error(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", " ")
    with pytest.raises(ConfigurationError, match="set but empty"):
        route_for(profile_session(clean_env, {}), API)
