"""Tunnels reach AWS the way botocore does, end to end on real sockets: the fake AWS serves
https:// and wss:// with a throwaway CA's certificate (ssmgui.demo.servers.tls), and a
CONNECT proxy on loopback (tests/connect_proxy.py) stands between. StartSession goes
through boto3; the data channel through SessionApi.route (services/aws/transport.py) and
the shared dialer (ssm/dial.py), on the first connect and after ResumeSession.

Each failure must be quick and say what to do: a certificate of an untrusted CA names
the host and AWS_CA_BUNDLE; a proxy's 407 says where the user name and password go.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from ssmgui.core.errors import SessionStartError
from ssmgui.core.tunnel import port_forwarding_request
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.servers.targets import EchoServer
from ssmgui.demo.servers.tls import LoopbackCertificates
from ssmgui.demo.world import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, FakeAws
from ssmgui.services.tunnels.engines.native import open_port_tunnel
from ssmgui.services.tunnels.session_api import SessionApi, session_api_for
from ssmgui.ssm.channel import ChannelOptions
from ssmgui.ssm.session import PortSession
from tests.connect_proxy import ConnectProxy, proxy_server
from tests.tunnel_fixtures import ECHO_PORT, LINUX, echo_once

#: One attempt per call: botocore would retry a refused proxy or certificate for seconds.
ONE_ATTEMPT = Config(retries={"max_attempts": 1, "mode": "standard"})


@dataclass
class TlsWorld:
    fake: FakeAws
    certs: LoopbackCertificates
    config_file: Path

    def api(self, session: boto3.Session | None = None, profile: str = "default") -> SessionApi:
        return session_api_for(
            session or environment_session(),
            profile=profile,
            endpoint_url=self.fake.api_url,
            config=ONE_ATTEMPT,
        )

    async def tunnel(self, api: SessionApi) -> PortSession:
        options = ChannelOptions(allowed_hosts=frozenset({self.fake.stream_host}))
        request = port_forwarding_request(LINUX, ECHO_PORT)
        return await open_port_tunnel(api, request, bind_hosts=("127.0.0.1",), options=options)


def environment_session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=DEMO_ACCESS_KEY,
        aws_secret_access_key=DEMO_SECRET_KEY,
        region_name="eu-west-1",
    )


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCertificates:
    return LoopbackCertificates.make(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCertificates:
    """A CA nobody was told to trust."""
    return LoopbackCertificates.make(tmp_path_factory.mktemp("stranger"), ca_name="stranger")


async def tls_world(
    certs: LoopbackCertificates, config_file: Path, stream: LoopbackCertificates | None = None
) -> AsyncIterator[TlsWorld]:
    echo = EchoServer()
    echo_port = await echo.start()
    stream_tls = stream.server_context() if stream is not None else None
    async with FakeAws(tls=certs.server_context(), stream_tls=stream_tls) as fake:
        fake.add_instance(FakeInstance(LINUX, ports={ECHO_PORT: ("127.0.0.1", echo_port)}))
        yield TlsWorld(fake, certs, config_file)
    await echo.stop()


@pytest.fixture
async def world(certs: LoopbackCertificates, clean_env: Path) -> AsyncIterator[TlsWorld]:
    async for made in tls_world(certs, clean_env):
        yield made


async def moves_bytes(tunnel: PortSession) -> None:
    try:
        assert await echo_once(tunnel.local_port, b"through TLS") == b"through TLS"
    finally:
        await tunnel.stop()


# --- trust ------------------------------------------------------------------------------


async def test_aws_ca_bundle_is_trusted_by_the_api_and_the_data_channel(
    world: TlsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(world.certs.ca_file))
    assert world.fake.api_url.startswith("https://")
    tunnel = await world.tunnel(world.api())
    assert world.fake.stream_url(tunnel.session_id).startswith("wss://")
    await moves_bytes(tunnel)


async def test_the_profile_s_ca_bundle_is_trusted_too(world: TlsWorld) -> None:
    world.config_file.write_text(
        "[profile corp]\nregion = eu-west-1\n"
        f"aws_access_key_id = {DEMO_ACCESS_KEY}\naws_secret_access_key = {DEMO_SECRET_KEY}\n"
        f"ca_bundle = {world.certs.ca_file}\n"
    )
    api = world.api(boto3.Session(profile_name="corp"), profile="corp")
    await moves_bytes(await world.tunnel(api))


async def test_without_the_ca_starting_a_session_fails_quickly_naming_the_certificate(
    world: TlsWorld, stranger: LoopbackCertificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(stranger.ca_file))
    started = time.monotonic()
    with pytest.raises(SessionStartError) as raised:
        await world.tunnel(world.api())
    assert time.monotonic() - started < 5
    assert "certificate of 127.0.0.1 could not be verified" in raised.value.user_message
    assert "AWS_CA_BUNDLE" in raised.value.user_message


async def test_a_data_channel_certificate_of_another_ca_fails_quickly_naming_it(
    certs: LoopbackCertificates,
    stranger: LoopbackCertificates,
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The API's certificate is trusted, the data channel's is not: StartSession passes,
    and the data channel's failure is the one reported (the path of issue #16)."""
    monkeypatch.setenv("AWS_CA_BUNDLE", str(certs.ca_file))
    async for world in tls_world(certs, clean_env, stream=stranger):
        started = time.monotonic()
        with pytest.raises(SessionStartError) as raised:
            await world.tunnel(world.api())
        assert time.monotonic() - started < 5
        message = raised.value.user_message
        assert "data channel" in message and "certificate of 127.0.0.1" in message
        assert "AWS_CA_BUNDLE" in message and str(certs.ca_file) in message
        assert all(session.terminated for session in world.fake.sessions.values())


# --- proxies ----------------------------------------------------------------------------


@pytest.mark.slow  # a recycle and a resume
async def test_the_api_and_the_data_channel_go_through_https_proxy_also_after_a_resume(
    world: TlsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(world.certs.ca_file))
    proxy = ConnectProxy()
    api_target = world.fake.api_url.removeprefix("https://")
    async with proxy_server(proxy) as proxy_url:
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        tunnel = await world.tunnel(world.api())
        assert await echo_once(tunnel.local_port, b"one") == b"one"
        assert proxy.tunnels.count(world.fake.stream_host) == 1
        await world.fake.recycle(tunnel.session_id)  # the service's hourly close: resume
        for _ in range(100):
            if tunnel.stats().reconnects:
                break
            await asyncio.sleep(0.05)
        assert await echo_once(tunnel.local_port, b"two") == b"two"
        await tunnel.stop()
    assert tunnel.stats().reconnects == 1
    assert proxy.tunnels.count(world.fake.stream_host) == 2  # the resume's link too
    assert api_target in proxy.tunnels  # StartSession, ResumeSession, TerminateSession


async def test_an_https_proxy_carries_both(
    world: TlsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(world.certs.ca_file))
    proxy = ConnectProxy()
    async with proxy_server(proxy, tls=world.certs.server_context()) as proxy_url:
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        await moves_bytes(await world.tunnel(world.api()))
    assert proxy_url.startswith("https://")
    assert world.fake.stream_host in proxy.tunnels
    assert world.fake.api_url.removeprefix("https://") in proxy.tunnels


async def test_no_proxy_is_honoured(world: TlsWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(world.certs.ca_file))
    proxy = ConnectProxy()
    async with proxy_server(proxy) as proxy_url:
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        await moves_bytes(await world.tunnel(world.api()))
    assert proxy.tunnels == []


async def test_a_proxy_asking_for_credentials_is_reported_as_such(
    world: TlsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(world.certs.ca_file))
    async with proxy_server(ConnectProxy(refuse=True)) as proxy_url:
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        with pytest.raises(SessionStartError) as raised:
            await world.tunnel(world.api())
    assert raised.value.user_message == (
        f"Cannot reach Session Manager in eu-west-1: the proxy {proxy_url} asks for a user "
        "name and password: put them in HTTPS_PROXY as http://user:password@host:port."
    )


async def test_a_407_on_the_data_channel_alone_is_reported_as_proxy_authentication(
    world: TlsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(world.certs.ca_file))
    proxy = ConnectProxy(answers={world.fake.stream_host: 407})
    async with proxy_server(proxy) as proxy_url:
        monkeypatch.setenv("HTTPS_PROXY", proxy_url.replace("http://", "http://me:s3cret@"))
        with pytest.raises(SessionStartError) as raised:
            await world.tunnel(world.api())
    message = raised.value.user_message
    assert f"the proxy {proxy_url} refused the user name and password" in message
    assert "s3cret" not in message
    assert proxy.auth and all(auth.startswith("Basic ") for auth in proxy.auth)


async def test_a_proxy_refusing_the_api_is_named_without_its_password(
    world: TlsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(world.certs.ca_file))
    proxy = ConnectProxy(answers={world.fake.api_url.removeprefix("https://"): 403})
    async with proxy_server(proxy) as proxy_url:
        monkeypatch.setenv("HTTPS_PROXY", proxy_url.replace("http://", "http://me:s3cret@"))
        with pytest.raises(SessionStartError) as raised:
            await world.tunnel(world.api())
    message = raised.value.user_message
    assert f"Cannot reach Session Manager in eu-west-1 through the proxy {proxy_url}." in message
    assert "s3cret" not in message


@pytest.mark.slow  # a recycle and a refused resume
async def test_a_proxy_refusing_the_resume_ends_the_session_at_once(
    world: TlsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy that stops letting the data channel through after the hourly recycle ends
    the session with its reason at once, not after the whole resume budget (120 s)."""
    monkeypatch.setenv("AWS_CA_BUNDLE", str(world.certs.ca_file))
    proxy = ConnectProxy()
    async with proxy_server(proxy) as proxy_url:
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        tunnel = await world.tunnel(world.api())
        assert await echo_once(tunnel.local_port, b"one") == b"one"
        proxy.answers[world.fake.stream_host] = 407
        await world.fake.recycle(tunnel.session_id)
        error = await asyncio.wait_for(tunnel.wait_closed(), 10)
        await tunnel.stop()
    assert error is not None and "Cannot resume the session" in error.user_message
    assert "user name and password" in error.user_message
