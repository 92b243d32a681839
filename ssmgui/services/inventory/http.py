"""A minimal HTTP/1.1 client on asyncio streams for signed AWS API calls: no threads.

boto3 needs a thread per call in flight and milliseconds of CPU per call: for the
inventory's hundreds of small calls that CPU, not the network, would set the wall time.
This client does only what those calls need: `POST` with a Content-Length body, answers
with Content-Length, chunked or close-delimited bodies, keep-alive and timeouts. Connections
are dialled along a `Route` (ssm/dial.py, the dialer the data channel uses too): the proxy
and CA bundle botocore would use for the profile and URL, which `services/aws/transport.py`
decides; through a proxy always with an HTTP `CONNECT` tunnel (for http:// targets too: one
code path; every corporate proxy allows CONNECT to 443).

`HttpConnection(url)` is one connection to the origin of `url`, opened on first use and kept
for the next request; a kept connection the server closed meanwhile is reopened once (the
calls made through it are read-only, so resending is safe). One idle for longer than
`max_idle_s` is replaced before use: servers and NATs drop idle connections without a word,
and a request on one would wait for the read timeout. A request cancelled mid-exchange
closes the connection, so its answer is never read as the next request's. Failures raise
`HttpError`, whose text names the origin and what failed — never a header: signed headers
hold session tokens. A failure to connect says what failed in the dialer's words (the
proxy's refusal or its demand for credentials, a certificate that does not verify).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from botocore.credentials import ReadOnlyCredentials

from ssmgui.ssm.dial import DIRECT, DialError, DialTimeoutError, Route, open_stream
from ssmgui.ssm.signing import sigv4_headers

_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_HEADERS = 100
#: Below the idle timeouts of AWS's endpoints and common NATs (about a minute and more).
MAX_IDLE_S = 20.0


class HttpError(Exception):
    """Connecting, the proxy, TLS, or the exchange failed. `timeout`: it took too long;
    `connecting`: no request reached the server (so nothing was processed)."""

    def __init__(
        self,
        message: str,
        *,
        timeout: bool = False,
        connecting: bool = False,
        dial_error: DialError | None = None,
    ) -> None:
        super().__init__(message)
        self.timeout = timeout
        self.connecting = connecting
        self.dial_error = dial_error  # why the connection could not be opened, if known


class _StaleConnectionError(Exception):
    """A kept-alive connection was closed by the server before it answered."""


@dataclass(frozen=True)
class Timeouts:
    """Seconds for connecting (TCP + proxy + TLS) and for one request's answer."""

    connect_s: float = 5.0
    read_s: float = 30.0


@dataclass(frozen=True)
class HttpResponse:
    """An answer: status, headers (lower-case names; the last of repeated ones), body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def host_header(url: str) -> str:
    """The Host header for `url`: host, plus the port unless it is the scheme's default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    return host if port is None or port == _DEFAULT_PORTS.get(parts.scheme) else f"{host}:{port}"


def signed_headers(
    credentials: ReadOnlyCredentials,
    *,
    service: str,
    region: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
) -> dict[str, str]:
    """`headers` plus Host, X-Amz-Date, X-Amz-Security-Token and Authorization (SigV4) for a
    POST of `body` to `url` at `now` (default: the current time), as botocore's SigV4Auth
    signs them (by the lean signer of ssm/signing.py, lighter on CPU than botocore's).
    The result holds secrets: never log it."""
    return sigv4_headers(
        credentials,
        method="POST",
        url=url,
        service=service,
        region=region,
        headers={"Host": host_header(url), **headers},
        body=body,
        now=now,
    )


class HttpConnection:
    """One keep-alive connection to the origin of `url`; concurrent requests wait their
    turn (in order) and go one at a time."""

    def __init__(
        self,
        url: str,
        *,
        timeouts: Timeouts | None = None,
        route: Route = DIRECT,
        max_idle_s: float = MAX_IDLE_S,
    ) -> None:
        """`route`: the proxy and CA bundle to use (`services/aws/transport.py` decides
        them; the default goes directly and trusts OpenSSL's default CAs)."""
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.origin = f"{parts.scheme}://{host_header(url)}"
        self._host = parts.hostname
        self._port = parts.port or _DEFAULT_PORTS[parts.scheme]
        self._tls = parts.scheme == "https"
        self._timeouts = timeouts or Timeouts()
        self._route = route
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._in_use = asyncio.Lock()
        self._max_idle_s = max_idle_s
        self._idle_since = 0.0
        self.connections_opened = 0

    async def request(self, path: str, headers: Mapping[str, str], body: bytes) -> HttpResponse:
        """POST `body` to `path`; the answer whatever its status. Raises `HttpError`."""
        async with self._in_use:
            return await self._request(path, headers, body)

    async def _request(self, path: str, headers: Mapping[str, str], body: bytes) -> HttpResponse:
        loop = asyncio.get_running_loop()
        if self._writer is not None and loop.time() - self._idle_since > self._max_idle_s:
            await self.aclose()
        for attempt in range(2):
            reused = self._writer is not None
            if not reused:
                await self._connect()
            try:
                answer = await self._exchange(path, headers, body)
                self._idle_since = loop.time()
                return answer
            except _StaleConnectionError:
                await self.aclose()
                if not reused or attempt:
                    raise HttpError(f"{self.origin} closed the connection") from None
            except TimeoutError:  # before OSError, its base class
                await self.aclose()
                raise HttpError(f"{self.origin} did not answer in time", timeout=True) from None
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                await self.aclose()
                raise HttpError(f"{self.origin}: {type(exc).__name__}") from None
            except BaseException:  # cancelled: the answer may still come, to nobody
                self._abandon()
                raise
        raise AssertionError("unreachable")

    def _abandon(self) -> None:
        """Close at once, without waiting: the caller is being cancelled."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.transport.abort()

    async def aclose(self) -> None:
        """Close the connection, if open; the next request opens a new one."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(1):
                    await writer.wait_closed()

    async def _connect(self) -> None:
        try:
            reader, writer = await open_stream(
                self._host,
                self._port,
                self._route,
                tls=self._tls,
                timeout=self._timeouts.connect_s,
            )
        except DialTimeoutError as exc:
            raise HttpError(
                f"connecting to {self.origin} timed out ({exc})", timeout=True, connecting=True
            ) from None
        except DialError as exc:
            raise HttpError(
                f"cannot connect to {self.origin}: {exc}", connecting=True, dial_error=exc
            ) from None
        self._reader, self._writer = reader, writer
        self.connections_opened += 1

    async def _exchange(self, path: str, headers: Mapping[str, str], body: bytes) -> HttpResponse:
        assert self._reader is not None and self._writer is not None
        reader, writer = self._reader, self._writer
        head = [f"POST {path} HTTP/1.1"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        async with asyncio.timeout(self._timeouts.read_s):
            try:
                await writer.drain()
                status, answer_headers = await _read_head(reader)
            except (ConnectionResetError, BrokenPipeError, _StaleConnectionError):
                raise _StaleConnectionError from None
            body_read, keep = await _read_body(reader, answer_headers)
        if not keep:
            await self.aclose()
        return HttpResponse(status, answer_headers, body_read)


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    """Status and headers; 1xx interim answers skipped. `_StaleConnectionError` on EOF first."""
    while True:
        line = await reader.readline()
        if not line:
            raise _StaleConnectionError
        version, _, rest = line.decode("latin-1").partition(" ")
        if not version.startswith("HTTP/"):
            raise ValueError("not an HTTP answer")
        status = int(rest.split(" ", 1)[0])
        headers: dict[str, str] = {"_version": version}
        for _ in range(_MAX_HEADERS):
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        else:
            raise ValueError("too many headers")
        if status >= 200:
            return status, headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> tuple[bytes, bool]:
    """The body, and whether the connection may carry another request."""
    keep = headers.pop("_version") == "HTTP/1.1" and headers.get("connection", "") != "close"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return await _read_chunks(reader), keep
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"])), keep
    return await reader.read(), False  # delimited by the server closing


async def _read_chunks(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";", 1)[0].strip() or b"x", 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailers: none of ours
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)  # the CRLF after each chunk
