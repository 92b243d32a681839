"""Shared test helpers: the fake fleet's constants and boto3 calls against the fake."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
from botocore.config import Config

from ssmgui.demo.world import FakeAws

INSTANCE = "i-0123456789abcdef0"
ECHO_PORT = 7
DIGEST_PORT = 9000


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
