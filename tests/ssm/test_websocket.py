"""One WebSocket link (ssmgui.ssm.websocket) against small servers on loopback: the upgrade
request, frames both ways, close and drop, keepalive pings, flow control and the ways an
upgrade fails. The servers are websockets' own asyncio server, or raw TCP where a server
must misbehave."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import logging
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

import pytest
from botocore.credentials import ReadOnlyCredentials
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from ssmgui.demo.channel.sigv4 import check_upgrade
from ssmgui.ssm.signing import upgrade_headers
from ssmgui.ssm.websocket import MAX_FRAME, LinkOpenError, WebSocketLink, open_link

ACCESS_KEY = "AKIATESTWEBSOCKET001"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"
REGION = "eu-west-1"
PATH = "/v1/data-channel/s-0123456789abcdef0?role=publish_subscribe"

PEER_LOGGER = "tests.peer"  # the test servers' own logs: not the client's to answer for

Handler = Callable[[ServerConnection], Awaitable[None]]


@dataclass
class Heard:
    """A LinkListener that keeps what it heard."""

    frames: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    closes: list[tuple[int | None, str]] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_frame(self, data: bytes) -> None:
        self.frames.put_nowait(data)

    def on_link_closed(self, link: WebSocketLink, code: int | None, reason: str) -> None:
        assert not link.is_open
        self.closes.append((code, reason))
        self.closed.set()

    async def next_frame(self) -> bytes:
        return await asyncio.wait_for(self.frames.get(), 2)

    async def wait_closed(self, seconds: float = 3) -> tuple[int | None, str]:
        await asyncio.wait_for(self.closed.wait(), seconds)
        await asyncio.sleep(0.05)  # a second report would come now
        (only,) = self.closes
        return only


@dataclass
class Peer:
    """A websockets server on 127.0.0.1 and what it saw."""

    server: Server
    requests: list[Request] = field(default_factory=list)
    connections: list[ServerConnection] = field(default_factory=list)

    @property
    def url(self) -> str:
        port = self.server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}{PATH}"


@asynccontextmanager
async def peer(
    handler: Handler | None = None, refuse: HTTPStatus | None = None
) -> AsyncIterator[Peer]:
    """Serve `handler` (default: echo) on loopback; `refuse` answers the upgrade instead."""

    async def echo(connection: ServerConnection) -> None:
        async for message in connection:
            await connection.send(message)

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        state.requests.append(request)
        return connection.respond(refuse, "refused\n") if refuse else None

    async def handle(connection: ServerConnection) -> None:
        state.connections.append(connection)
        await (handler or echo)(connection)

    async with serve(
        handle,
        "127.0.0.1",
        0,
        process_request=process_request,
        ping_interval=None,
        logger=logging.getLogger(PEER_LOGGER),
    ) as server:
        state = Peer(server)
        yield state


async def link_to(url: str, listener: Heard, **options: float | None) -> WebSocketLink:
    return await open_link(url, {}, listener, timeout=2.0, **options)  # type: ignore[arg-type]


# --- the upgrade request ----------------------------------------------------------------


async def test_the_upgrade_carries_the_stream_url_and_valid_sigv4_headers() -> None:
    async with peer() as server:
        url = server.url
        headers = upgrade_headers(
            url, ReadOnlyCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN), REGION
        )
        link = await open_link(url, headers, Heard())
        link.close()
        (request,) = server.requests
    assert request.path == PATH
    sent = {name.lower(): value for name, value in request.headers.raw_items()}
    assert sent["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/")
    assert sent["x-amz-security-token"] == SESSION_TOKEN
    assert sent["upgrade"].lower() == "websocket"
    verdict = check_upgrade(
        "verify", url, sent, region=REGION,
        credentials={ACCESS_KEY: SECRET_KEY}, accept_unknown_keys=False,
    )  # fmt: skip
    assert verdict is None


async def test_nothing_logged_at_info_holds_the_signature_or_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The app and CLI keep the `websockets` logger at INFO or above (ui/error_display.py,
    cli/__init__.py); everything our own module logs, at any level, stays clean."""
    caplog.set_level(logging.DEBUG, logger="ssmgui")
    caplog.set_level(logging.INFO, logger="websockets")
    errors = await _use_a_signed_link_until_it_drops_then_be_refused()
    assert any(r.name == "ssmgui.ssm.websocket" for r in caplog.records)  # the check bites
    _assert_no_credentials_in(caplog, errors)


async def test_nothing_logged_at_debug_holds_the_signature_or_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="websockets")  # other tests may have quieted it
    errors = await _use_a_signed_link_until_it_drops_then_be_refused()
    _assert_no_credentials_in(caplog, errors)


async def _use_a_signed_link_until_it_drops_then_be_refused() -> list[str]:
    """Open a signed link, send, lose the peer (no pongs), then meet a refused upgrade;
    the texts of the errors met on the way."""

    async def deaf_after_hello(connection: ServerConnection) -> None:
        await connection.recv()
        connection.transport.pause_reading()
        await connection.wait_closed()

    async with peer(deaf_after_hello) as server:
        url = server.url
        headers = upgrade_headers(
            url, ReadOnlyCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN), REGION
        )
        listener = Heard()
        link = await open_link(url, headers, listener, ping_interval=0.05, ping_timeout=0.05)
        link.send_binary(b"hello")
        await listener.wait_closed()
        server.connections[0].transport.abort()  # it reads nothing, so it saw no reset
    with pytest.raises(LinkOpenError) as refused:
        async with peer(refuse=HTTPStatus.FORBIDDEN) as refusing:
            await open_link(refusing.url, headers, Heard())
    return [str(refused.value), repr(refused.value)]


def _assert_no_credentials_in(caplog: pytest.LogCaptureFixture, errors: list[str]) -> None:
    ours = [r for r in caplog.records if not r.name.startswith(PEER_LOGGER)]
    text = "\n".join([*(record.getMessage() for record in ours), *errors])
    for secret in (SECRET_KEY, SESSION_TOKEN, "Signature="):
        assert secret not in text


# --- frames, close and drop -----------------------------------------------------------------


async def test_binary_and_text_frames_go_both_ways_in_order() -> None:
    async with peer() as server:
        listener = Heard()
        link = await link_to(server.url, listener)
        assert link.is_open
        for n in range(200):  # sent in one loop iteration: flushed together, in order
            link.send_binary(n.to_bytes(2, "big") * 600)
        link.send_text("naïve text")
        for n in range(200):
            assert await listener.next_frame() == n.to_bytes(2, "big") * 600
        assert await listener.next_frame() == "naïve text".encode()
        link.close()


async def test_a_close_from_the_server_is_reported_once_with_its_code_and_reason() -> None:
    async def recycle(connection: ServerConnection) -> None:
        await connection.close(1000, "Bye")

    async with peer(recycle) as server:
        listener = Heard()
        link = await link_to(server.url, listener)
        assert await listener.wait_closed() == (1000, "Bye")
        assert not link.is_open
        link.send_binary(b"after the close")  # ignored, no error


async def test_an_abrupt_drop_is_reported_once_without_a_code() -> None:
    async def drop(connection: ServerConnection) -> None:
        connection.transport.abort()

    async with peer(drop) as server:
        listener = Heard()
        await link_to(server.url, listener)
        assert await listener.wait_closed() == (None, "connection dropped")


async def test_our_close_sends_the_code_and_reason_and_is_reported_once() -> None:
    seen: list[tuple[int | None, str | None]] = []

    async def wait_for_close(connection: ServerConnection) -> None:
        await connection.wait_closed()
        seen.append((connection.close_code, connection.close_reason))

    async with peer(wait_for_close) as server:
        listener = Heard()
        link = await link_to(server.url, listener)
        link.close(1000, "stopped")
        assert not link.is_open
        link.send_text("after close")  # ignored, no error
        assert await listener.wait_closed() == (1000, "stopped")  # the server's echo
        await asyncio.sleep(0.05)
    assert seen == [(1000, "stopped")]


async def test_a_message_over_the_frame_limit_closes_the_link_undelivered() -> None:
    async def too_big(connection: ServerConnection) -> None:
        await connection.send(b"x" * (MAX_FRAME + 1))
        await connection.wait_closed()

    async with peer(too_big) as server:
        listener = Heard()
        await link_to(server.url, listener)
        # We failed the link ourselves (1009): reported as closed, like a drop.
        assert await listener.wait_closed() == (None, "connection dropped")
        assert listener.frames.empty()


# --- keepalive and flow control --------------------------------------------------------------


async def test_pings_keep_a_live_peer_open() -> None:
    async with peer() as server:
        listener = Heard()
        link = await link_to(server.url, listener, ping_interval=0.05, ping_timeout=0.05)
        await asyncio.sleep(0.4)  # eight ping intervals, each answered
        assert link.is_open and not listener.closes
        link.close()


async def test_a_peer_that_stops_answering_pings_is_dropped() -> None:
    async def deaf(connection: ServerConnection) -> None:
        connection.transport.pause_reading()
        await connection.wait_closed()

    async with peer(deaf) as server:
        listener = Heard()
        started = time.monotonic()
        await link_to(server.url, listener, ping_interval=0.05, ping_timeout=0.1)
        assert await listener.wait_closed() == (None, "connection dropped")
        # Dropped at the first ping later than interval + timeout of silence, not before.
        assert 0.15 <= time.monotonic() - started < 1.0
        server.connections[0].transport.abort()  # it reads nothing, so it saw no reset


async def test_paused_reading_holds_frames_back_until_resumed() -> None:
    async def send_on_request(connection: ServerConnection) -> None:
        async for message in connection:
            await connection.send(message)
            await connection.send(b"more")

    async with peer(send_on_request) as server:
        listener = Heard()
        link = await link_to(server.url, listener)
        link.send_binary(b"first")
        assert await listener.next_frame() == b"first"
        assert await listener.next_frame() == b"more"
        link.pause_reading()
        link.send_binary(b"second")
        await asyncio.sleep(0.1)
        assert listener.frames.empty()
        link.resume_reading()
        assert await listener.next_frame() == b"second"
        assert await listener.next_frame() == b"more"
        link.close()


# --- failed upgrades ---------------------------------------------------------------------------


async def test_a_refused_upgrade_is_a_link_open_error_with_the_status() -> None:
    async with peer(refuse=HTTPStatus.FORBIDDEN) as server:
        with pytest.raises(
            LinkOpenError, match="refused the WebSocket upgrade \\(HTTP 403\\)"
        ) as caught:
            await link_to(server.url, Heard())
    assert caught.value.status == 403


async def test_nothing_listening_is_a_link_open_error() -> None:
    async with peer() as server:
        url = server.url
    with pytest.raises(LinkOpenError, match=r"cannot connect to 127\.0\.0\.1:") as caught:
        await link_to(url, Heard())
    assert caught.value.status is None


@asynccontextmanager
async def raw_server(on_connect: Callable[[asyncio.StreamWriter], None]) -> AsyncIterator[str]:
    """A TCP server on loopback that runs `on_connect` and then reads and ignores."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        on_connect(writer)
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}{PATH}"
    finally:
        server.close()


async def test_a_server_that_never_answers_the_upgrade_times_out() -> None:
    async with raw_server(lambda _writer: None) as url:
        started = time.monotonic()
        with pytest.raises(LinkOpenError, match=r"no answer from 127\.0\.0\.1 within"):
            await open_link(url, {}, Heard(), timeout=0.2)
        assert time.monotonic() - started < 1.0


async def test_a_connection_closed_during_the_upgrade_is_a_link_open_error() -> None:
    async with raw_server(lambda writer: writer.close()) as url:
        with pytest.raises(LinkOpenError):
            await link_to(url, Heard())


async def test_a_non_websocket_answer_is_a_link_open_error() -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    async with raw_server(lambda writer: writer.write(answer)) as url:
        with pytest.raises(LinkOpenError, match="HTTP 200") as caught:
            await link_to(url, Heard())
    assert caught.value.status == 200


async def test_wss_refuses_a_certificate_the_system_does_not_trust(tmp_path: Path) -> None:
    """The token goes over this link: a self-signed server must never get it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed_files(tmp_path))

    async def handle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(LinkOpenError, match=r"(?i)certificate"):
            await link_to(f"wss://127.0.0.1:{port}{PATH}", Heard())
    finally:
        server.close()


def _self_signed_files(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(Encoding.PEM))
    key_path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return cert_path, key_path
