"""Fixtures shared by the tunnel tests: the fake AWS with real targets, and boto3 to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import boto3
import pytest

from ssmgui.core.tunnel import port_forwarding_request
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.servers.targets import DemoHttpServer, DigestServer, EchoServer
from ssmgui.demo.world import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, FakeAws
from ssmgui.services.tunnels.engines.native import open_port_tunnel
from ssmgui.services.tunnels.session_api import SessionApi, session_api_for
from ssmgui.ssm.channel import ChannelOptions
from ssmgui.ssm.session import PortSession

LINUX = "i-0aaaaaaaaaaaaaaa1"
OLD_AGENT = "i-0aaaaaaaaaaaaaaa2"
OFFLINE = "i-0aaaaaaaaaaaaaaa3"
ECHO_PORT, DIGEST_PORT, HTTP_PORT, CLOSED_PORT = 7, 9, 80, 81


@dataclass
class World:
    fake: FakeAws
    api: SessionApi
    echo_port: int
    digest_port: int
    http_port: int

    def options(self, **overrides: object) -> ChannelOptions:
        settings: dict[str, object] = {"allowed_hosts": frozenset({self.fake.stream_host})}
        settings.update(overrides)
        return ChannelOptions(**settings)  # type: ignore[arg-type]

    async def tunnel(
        self, instance: str = LINUX, remote_port: int = ECHO_PORT, **options: object
    ) -> PortSession:
        request = port_forwarding_request(instance, remote_port)
        return await open_port_tunnel(self.api, request, options=self.options(**options))

    def only_session(self) -> str:
        (session_id,) = self.fake.sessions
        return session_id


def boto_session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=DEMO_ACCESS_KEY,
        aws_secret_access_key=DEMO_SECRET_KEY,
        region_name="eu-west-1",
    )


@pytest.fixture
async def world() -> AsyncIterator[World]:
    echo, digest, http = EchoServer(), DigestServer(), DemoHttpServer()
    echo_port, digest_port, http_port = await asyncio.gather(
        echo.start(), digest.start(), http.start()
    )
    ports = {
        ECHO_PORT: ("127.0.0.1", echo_port),
        DIGEST_PORT: ("127.0.0.1", digest_port),
        HTTP_PORT: ("127.0.0.1", http_port),
    }
    async with FakeAws() as fake:
        fake.add_instance(FakeInstance(LINUX, name="web-1", ports=dict(ports)))
        fake.add_instance(FakeInstance(OLD_AGENT, agent_version="3.0.196.0", ports=dict(ports)))
        fake.add_instance(FakeInstance(OFFLINE, ping_status="ConnectionLost"))
        api = session_api_for(boto_session(), endpoint_url=fake.api_url)
        yield World(fake, api, echo_port, digest_port, http_port)
    await asyncio.gather(echo.stop(), digest.stop(), http.stop())


async def echo_once(port: int, payload: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.readexactly(len(payload)), 20)
    finally:
        writer.close()
