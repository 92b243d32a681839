"""connections.py: refreshes reuse their connections (one per pair and endpoint) and
look each profile's credentials up once; each profile's calls go by its own route."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import boto3
import pytest

from ssmgui.core.errors import ServiceUnreachableError
from ssmgui.demo.servers.tls import LoopbackCertificates
from ssmgui.services.inventory.service import InventoryService
from tests.connect_proxy import ConnectProxy, proxy_server
from tests.loopback_servers import serving
from tests.services.inventory.conftest import KEY
from tests.services.inventory.test_http import read_request


class CountingSessions:
    """A SessionSource whose every endpoint is `url`, counting session lookups."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.lookups: list[str] = []

    def session(self, profile: str) -> boto3.Session:
        self.lookups.append(profile)
        return boto3.Session(aws_access_key_id=KEY, aws_secret_access_key=KEY)

    def endpoint_url(self, _profile: str, _region: str, _service: str) -> str:
        return self.url


async def test_refreshes_keep_connections_per_profile_and_credentials() -> None:
    connections: list[asyncio.StreamWriter] = []

    async def no_instances(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        while await read_request(reader) is not None:
            payload = json.dumps({"InstanceInformationList": []}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)

    async with serving(no_instances) as url:
        sessions = CountingSessions(url)
        service = InventoryService(sessions)
        pairs = [("a", "eu-west-1"), ("b", "eu-west-1"), ("a", "us-east-1")]
        for _ in range(3):
            results = await service.refresh(pairs)
            assert all(r.ok for r in results)
        await service.aclose()
    # One connection per pair, though every pair's endpoint is the same URL here.
    assert len(connections) == len(pairs)
    assert sorted(sessions.lookups) == ["a", "b"]


class ProfileFileSessions:
    """A SessionSource of real profiles in the test's AWS config file, every endpoint `url`."""

    def __init__(self, url: str) -> None:
        self.url = url

    def session(self, profile: str) -> boto3.Session:
        return boto3.Session(profile_name=profile)

    def endpoint_url(self, _profile: str, _region: str, _service: str) -> str:
        return self.url


@pytest.mark.usefixtures("clean_env")
async def test_each_profile_reaches_the_endpoint_as_botocore_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through an https:// proxy, trusting the CA its profile names (ca_bundle), which
    signed both the proxy's and the endpoint's certificates: the profile that names none
    trusts neither, and never gets as far as asking the proxy for a tunnel."""
    certs = LoopbackCertificates.make(tmp_path / "ca")
    config = tmp_path / "config"
    config.write_text(
        f"[profile corp]\naws_access_key_id = {KEY}\naws_secret_access_key = {KEY}\n"
        f"ca_bundle = {certs.ca_file}\n"
        f"[profile plain]\naws_access_key_id = {KEY}\naws_secret_access_key = {KEY}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))

    async def no_instances(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while await read_request(reader) is not None:
                payload = json.dumps({"InstanceInformationList": []}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload))
                writer.write(payload)
        writer.close()

    server = await asyncio.start_server(no_instances, "127.0.0.1", 0, ssl=certs.server_context())
    target = f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    proxy = ConnectProxy()
    async with proxy_server(proxy, tls=certs.server_context()) as proxy_url:
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        service = InventoryService(ProfileFileSessions(f"https://{target}"))
        results = await service.refresh([("corp", "eu-west-1"), ("plain", "eu-west-1")])
        # refresh gives results as pairs finish: the untrusted one often finishes first.
        by_profile = {result.profile: result for result in results}
        trusted, untrusted = by_profile["corp"], by_profile["plain"]
        await service.aclose()
    server.close()
    await server.wait_closed()
    assert trusted.ok and trusted.instances == ()
    assert isinstance(untrusted.error, ServiceUnreachableError)
    assert proxy.tunnels == [target]
