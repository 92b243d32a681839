"""connections.py: refreshes reuse their connections (one per pair and endpoint) and
look each profile's credentials up once."""

from __future__ import annotations

import asyncio
import json

import boto3

from ssmgui.services.inventory.service import InventoryService
from tests.services.inventory.conftest import KEY
from tests.services.inventory.test_http import read_request, serving


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
