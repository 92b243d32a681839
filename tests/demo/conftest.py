"""Fixtures: a started FakeAws with one online instance wired to echo and digest targets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.servers.targets import DigestServer, EchoServer
from ssmgui.demo.world import FakeAws
from tests.demo.support import DIGEST_PORT, ECHO_PORT, INSTANCE


@pytest.fixture
async def echo() -> AsyncIterator[EchoServer]:
    server = EchoServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def digest() -> AsyncIterator[DigestServer]:
    server = DigestServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def fake(echo: EchoServer, digest: DigestServer) -> AsyncIterator[FakeAws]:
    async with FakeAws() as world:
        world.add_instance(
            FakeInstance(
                INSTANCE,
                name="web-1",
                ports={ECHO_PORT: echo.address, DIGEST_PORT: digest.address},
                remote_hosts={("db.internal", 5432): echo.address},
            )
        )
        yield world
