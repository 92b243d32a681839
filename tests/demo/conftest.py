"""Fixtures: a started FakeAws with one online instance wired to echo and digest targets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from ssmgui.demo import FakeAws, FakeInstance
from ssmgui.demo.targets import DigestServer, EchoServer

INSTANCE = "i-0123456789abcdef0"
ECHO_PORT = 7
DIGEST_PORT = 9000


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


def ssm_client(fake: FakeAws) -> Any:
    return boto3.client(
        "ssm",
        endpoint_url=fake.api_url,
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}),
    )


async def start_session(
    fake: FakeAws,
    port: int = ECHO_PORT,
    document: str = "AWS-StartPortForwardingSession",
    target: str = INSTANCE,
    **extra: str,
) -> dict[str, Any]:
    parameters = {"portNumber": [str(port)], "localPortNumber": ["0"]}
    if document == "AWS-StartSSHSession":
        parameters = {"portNumber": [str(port)]}
    for name, value in extra.items():
        parameters[name] = [value]

    def call() -> dict[str, Any]:
        result: dict[str, Any] = ssm_client(fake).start_session(
            Target=target, DocumentName=document, Parameters=parameters
        )
        return result

    return await asyncio.to_thread(call)
