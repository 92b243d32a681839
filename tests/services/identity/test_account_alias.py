"""The account alias only labels things: an answer botocore cannot read is "" too.

Seen in the real app pointed at an endpoint that serves SSM but not IAM (the acceptance
journey's fake AWS; the same as a proxy's or captive portal's HTML page): botocore's
ResponseParserError is no BotoCoreError, so it escaped as "ssmgui hit a bug".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import boto3
import pytest

from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.account_alias import account_alias
from tests.loopback_servers import serving

HTML = b"<html><body>Please sign in to the Wi-Fi</body></html>"  # botocore: KeyError
JSON = b'{"message": "no such service"}'  # botocore: ResponseParserError (not XML)


def _page(body: bytes) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """A 200 with `body`, whatever was asked (a captive portal, a wrong endpoint)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n")
             if line.lower().startswith(b"content-length:")),
            0,
        )  # fmt: skip
        await reader.readexactly(length)
        writer.write(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()

    return answer


@pytest.mark.parametrize("body", [HTML, JSON], ids=["html", "json"])
async def test_an_unreadable_answer_is_no_alias_not_a_crash(body: bytes) -> None:
    session = boto3.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret", region_name="eu-west-1"
    )
    async with serving(_page(body)) as url:
        clients = AwsClients(endpoint_url=url)
        alias = await asyncio.to_thread(account_alias, lambda: session, clients, "work")
    assert alias == ""
