"""dial.py against real TLS servers (a throwaway CA, ssmgui.demo.servers.tls) and a real
CONNECT proxy on loopback (tests/connect_proxy.py): direct and proxied, http:// and
https:// proxies, Basic credentials, and each failure in words that say what to do."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ssmgui.demo.servers.tls import LoopbackCertificates
from ssmgui.ssm.dial import (
    CertificateError,
    DialError,
    DialTimeoutError,
    ProxyAuthenticationError,
    ProxyRefusedError,
    Route,
    open_stream,
)
from tests.connect_proxy import ConnectProxy, proxy_server


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCertificates:
    return LoopbackCertificates.make(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def other_certs(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCertificates:
    return LoopbackCertificates.make(tmp_path_factory.mktemp("other"), ca_name="another CA")


@contextlib.asynccontextmanager
async def tls_echo(certs: LoopbackCertificates) -> AsyncIterator[int]:
    """A TLS echo server on 127.0.0.1 with the certificate of `certs`; yields its port."""

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=certs.server_context())
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def round_trip(port: int, route: Route, payload: bytes = b"ping") -> bytes:
    reader, writer = await open_stream("127.0.0.1", port, route, tls=True, timeout=5)
    try:
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.readexactly(len(payload)), 5)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def test_tls_trusts_the_routes_ca_bundle(certs: LoopbackCertificates) -> None:
    async with tls_echo(certs) as port:
        assert await round_trip(port, Route(ca_bundle=str(certs.ca_file))) == b"ping"


async def test_a_certificate_of_another_ca_names_the_host_and_what_to_set(
    certs: LoopbackCertificates, other_certs: LoopbackCertificates
) -> None:
    async with tls_echo(certs) as port:
        started = time.monotonic()
        with pytest.raises(CertificateError) as raised:
            await round_trip(port, Route(ca_bundle=str(other_certs.ca_file)))
    message = str(raised.value)
    assert "certificate of 127.0.0.1 could not be verified" in message
    assert "AWS_CA_BUNDLE" in message and "ca_bundle" in message
    assert str(other_certs.ca_file) in message  # which CAs it trusted
    assert time.monotonic() - started < 2


async def test_through_an_http_proxy_with_the_url_s_credentials(
    certs: LoopbackCertificates,
) -> None:
    expected = "Basic " + base64.b64encode(b"me:p@ss").decode()
    proxy = ConnectProxy(require=expected)
    async with tls_echo(certs) as port, proxy_server(proxy) as proxy_url:
        credentials_url = proxy_url.replace("http://", "http://me:p%40ss@")
        route = Route(proxy_url=credentials_url, ca_bundle=str(certs.ca_file))
        assert await round_trip(port, route) == b"ping"
    assert proxy.tunnels == [f"127.0.0.1:{port}"] and proxy.auth == [expected]


async def test_through_an_https_proxy_tls_inside_tls(certs: LoopbackCertificates) -> None:
    proxy = ConnectProxy()
    async with (
        tls_echo(certs) as port,
        proxy_server(proxy, tls=certs.server_context()) as proxy_url,
    ):
        assert proxy_url.startswith("https://")
        route = Route(proxy_url=proxy_url, ca_bundle=str(certs.ca_file))
        assert await round_trip(port, route, b"x" * 100_000) == b"x" * 100_000
    assert proxy.tunnels == [f"127.0.0.1:{port}"]


async def test_an_https_proxy_is_trusted_with_the_proxy_ca_bundle_as_well(
    certs: LoopbackCertificates, other_certs: LoopbackCertificates
) -> None:
    async with (
        tls_echo(certs) as port,
        proxy_server(ConnectProxy(), tls=other_certs.server_context()) as proxy_url,
    ):
        target_ca, proxy_ca = str(certs.ca_file), str(other_certs.ca_file)
        with pytest.raises(CertificateError, match=r"certificate of 127\.0\.0\.1"):
            await round_trip(port, Route(proxy_url=proxy_url, ca_bundle=target_ca))
        both = Route(proxy_url=proxy_url, ca_bundle=target_ca, proxy_ca_bundle=proxy_ca)
        assert await round_trip(port, both) == b"ping"


async def test_a_407_says_where_the_user_name_and_password_go(
    certs: LoopbackCertificates,
) -> None:
    async with tls_echo(certs) as port, proxy_server(ConnectProxy(refuse=True)) as proxy_url:
        with pytest.raises(ProxyAuthenticationError) as raised:
            await round_trip(port, Route(proxy_url=proxy_url, ca_bundle=str(certs.ca_file)))
    assert raised.value.status == 407
    assert str(raised.value) == (
        f"the proxy {proxy_url} asks for a user name and password: put them in HTTPS_PROXY "
        "as http://user:password@host:port"
    )


async def test_a_407_to_credentials_never_shows_the_password(
    certs: LoopbackCertificates,
) -> None:
    proxy = ConnectProxy(require="Basic something-else")
    async with tls_echo(certs) as port, proxy_server(proxy) as proxy_url:
        route = Route(
            proxy_url=proxy_url.replace("http://", "http://me:s3cret@"),
            ca_bundle=str(certs.ca_file),
        )
        with pytest.raises(ProxyAuthenticationError) as raised:
            await round_trip(port, route)
    assert "refused the user name and password" in str(raised.value)
    assert "s3cret" not in str(raised.value) and "s3cret" not in repr(route)
    assert proxy.auth == ["Basic " + base64.b64encode(b"me:s3cret").decode()]


async def test_a_refusal_names_the_proxy_the_target_and_the_status(
    certs: LoopbackCertificates,
) -> None:
    async with tls_echo(certs) as port:
        proxy = ConnectProxy(answers={f"127.0.0.1:{port}": 403})
        async with proxy_server(proxy) as proxy_url:
            with pytest.raises(ProxyRefusedError) as raised:
                await round_trip(port, Route(proxy_url=proxy_url, ca_bundle=str(certs.ca_file)))
    assert raised.value.status == 403
    assert str(raised.value) == (
        f"the proxy {proxy_url} refused a tunnel to 127.0.0.1:{port} (HTTP 403 Forbidden)"
    )


async def test_no_proxy_listening_is_named() -> None:
    closed = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()
    with pytest.raises(
        DialError, match=re.escape(f"cannot connect to the proxy http://127.0.0.1:{port}")
    ):
        await round_trip(443, Route(proxy_url=f"http://127.0.0.1:{port}"))


async def test_a_proxy_url_that_is_not_http_is_refused_without_repeating_it() -> None:
    route = Route(proxy_url="socks5://me:s3cret@proxy:1080")
    with pytest.raises(DialError, match="is not http://host:port") as raised:
        await round_trip(443, route)
    assert "s3cret" not in str(raised.value) and "s3cret" not in repr(route)


async def test_a_silent_proxy_times_out_naming_it() -> None:
    async def silent(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await reader.read()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    proxy_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    started = time.monotonic()
    try:
        with pytest.raises(DialTimeoutError) as raised:
            await open_stream("127.0.0.1", 443, Route(proxy_url=proxy_url), tls=True, timeout=0.2)
    finally:
        server.close()
        await server.wait_closed()
    assert str(raised.value) == f"no answer from the proxy {proxy_url} within 0.2 s"
    assert time.monotonic() - started < 1


async def test_an_unreadable_ca_bundle_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    with pytest.raises(DialError, match=re.escape(f"cannot read the CA bundle {missing}")):
        await open_stream("127.0.0.1", 443, Route(ca_bundle=str(missing)), tls=True, timeout=1)
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate\n")
    with pytest.raises(DialError, match=re.escape(f"cannot load the CA bundle {empty}")):
        await open_stream("127.0.0.1", 443, Route(ca_bundle=str(empty)), tls=True, timeout=1)


def test_the_route_s_tls_context_is_loaded_once_per_bundle_file(
    certs: LoopbackCertificates, tmp_path: Path
) -> None:
    first = Route(ca_bundle=str(certs.ca_file)).ssl_context()
    assert Route(ca_bundle=str(certs.ca_file)).ssl_context() is first
    copy = tmp_path / "ca.pem"
    copy.write_bytes(certs.ca_file.read_bytes())
    changed = Route(ca_bundle=str(copy)).ssl_context()
    copy.write_bytes(certs.ca_file.read_bytes() * 2)  # edited: made again
    assert Route(ca_bundle=str(copy)).ssl_context() is not changed
