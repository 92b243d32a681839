"""http.py: keep-alive, chunked answers, timeouts, and HTTP(S)_PROXY through a CONNECT
proxy (tests/connect_proxy.py); the proxy choice itself is tested in
tests/services/aws/test_transport.py."""

from __future__ import annotations

import asyncio
import contextlib
import datetime

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from ssmgui.core.errors import ServiceUnreachableError
from ssmgui.services.inventory.http import HttpConnection, HttpError, Timeouts, signed_headers
from tests.connect_proxy import ConnectProxy
from tests.loopback_servers import serving
from tests.services.inventory.conftest import PAIRS, Fleet

EU = PAIRS[0]


async def read_request(reader: asyncio.StreamReader) -> bytes | None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    return await reader.readexactly(length)


async def test_chunked_answers_over_one_kept_connection() -> None:
    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (body := await read_request(reader)) is not None:
            writer.write(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"3\r\nyou\r\n5;ext=1\r\n said\r\n1\r\n \r\n"
                + b"%x\r\n" % len(body)
                + body
                + b"\r\n0\r\n\r\n"
            )

    async with serving(chunked) as url:
        connection = HttpConnection(url)
        first = await connection.request("/", {"Host": "x"}, b"hello")
        second = await connection.request("/", {"Host": "x"}, b"again")
        await connection.aclose()
    assert (first.status, first.body, second.body) == (200, b"you said hello", b"you said again")
    assert connection.connections_opened == 1


async def test_a_kept_connection_the_server_closed_is_reopened_once() -> None:
    async def one_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()  # then close without saying so, as an idle-timeout would

    async with serving(one_answer) as url:
        connection = HttpConnection(url)
        await connection.request("/", {}, b"1")
        await asyncio.sleep(0.05)
        again = await connection.request("/", {}, b"2")
        await connection.aclose()
    assert again.body == b"ok" and connection.connections_opened == 2


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers each request with its body, for as long as the connection lasts."""
    while (body := await read_request(reader)) is not None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


async def test_a_connection_idle_too_long_is_replaced_before_use() -> None:
    async with serving(echo) as url:
        connection = HttpConnection(url, max_idle_s=0.0)
        await connection.request("/", {}, b"1")
        await asyncio.sleep(0.01)
        again = await connection.request("/", {}, b"2")
        await connection.aclose()
    assert again.body == b"2" and connection.connections_opened == 2


async def test_a_request_cancelled_mid_exchange_never_hands_its_answer_on() -> None:
    late = asyncio.Event()

    async def slow_first(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        body = await read_request(reader) or b""
        await late.wait()  # answers the first request only after it was given up
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        await echo(reader, writer)

    async with serving(slow_first) as url:
        connection = HttpConnection(url)
        first = asyncio.ensure_future(connection.request("/", {}, b"first"))
        await asyncio.sleep(0.05)
        first.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await first
        late.set()
        second = await connection.request("/", {}, b"second")
        await connection.aclose()
    assert second.body == b"second" and connection.connections_opened == 2


async def test_a_silent_server_times_out() -> None:
    async def silent(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async with serving(silent) as url:
        connection = HttpConnection(url, timeouts=Timeouts(read_s=0.2))
        with pytest.raises(HttpError) as raised:
            await connection.request("/", {}, b"")
    assert raised.value.timeout and not raised.value.connecting


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.mark.usefixtures("no_proxy_env")
@pytest.mark.slow
async def test_listing_through_a_connect_proxy(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet.launch(*EU, ["proxied"])
    proxy = ConnectProxy()
    async with serving(proxy) as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url.replace("http://", "http://me:p%40ss@"))
        [result] = await fleet.service().refresh([EU])
    assert result.ok and [i.name for i in result.instances] == ["proxied"]
    ssm, ec2 = fleet.fake(*EU).api_url, fleet.moto_url
    assert sorted(proxy.tunnels) == sorted(u.removeprefix("http://") for u in (ssm, ec2))
    assert proxy.auth == ["Basic bWU6cEBzcw=="] * 2  # me:p@ss


@pytest.mark.usefixtures("no_proxy_env")
async def test_no_proxy_bypasses_and_a_refusing_proxy_fails_only_its_pair(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet.launch(*EU, ["direct"])
    proxy = ConnectProxy(refuse=True)
    async with serving(proxy) as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url.replace("http://", "http://me:wrong-pw@"))
        [refused] = await fleet.service().refresh([EU])
        through_the_proxy = len(proxy.tunnels)
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        [direct] = await fleet.service().refresh([EU])
    assert isinstance(refused.error, ServiceUnreachableError)
    message = refused.error.user_message
    assert "user name and password" in message and EU[1] in message  # the proxy's 407
    assert "wrong-pw" not in message
    assert through_the_proxy == 1  # a refusal is not tried again: it would not change
    assert direct.ok and [i.name for i in direct.instances] == ["direct"]
    assert len(proxy.tunnels) == through_the_proxy


def test_signed_headers_are_botocores_with_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.datetime(2024, 5, 1, 12, 0, 0)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: now)
    credentials = ReadOnlyCredentials("AKIDEXAMPLE", "secret/key+1", "session-token")
    url, body = "http://127.0.0.1:4566/", b"Action=DescribeInstances&Version=2016-11-15"
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Host": "127.0.0.1:4566", **headers}
    )
    SigV4Auth(credentials, "ec2", "us-east-1").add_auth(request)
    ours = signed_headers(
        credentials,
        service="ec2",
        region="us-east-1",
        url=url,
        headers=headers,
        body=body,
        now=now.replace(tzinfo=datetime.UTC),
    )
    assert ours == dict(request.headers.items())
