"""Connections to a host and port the way botocore makes them: directly or through an HTTP
CONNECT proxy, with TLS verified against one CA bundle.

`Route` says which proxy and which CAs; `services/aws/transport.py` decides it for a profile
and URL from botocore's own answer, and every connection ssmgui opens itself (the
data-channel WebSocket, the inventory's HTTP client) is dialled here with it:

- `dial(protocol, host, port, route, tls=…, timeout=…)` connects an asyncio Protocol, as
  `loop.create_connection` would; `open_stream(…)` returns a (reader, writer) pair, as
  `asyncio.open_connection` would.
- Through a proxy: TCP to it (TLS to it first for an `https://` proxy URL, verified against
  the route's CA bundle plus its proxy CA bundle, as urllib3 does for botocore), then
  `CONNECT host:port` with the Basic `Proxy-Authorization` botocore derives from the user
  name and password in the proxy URL; then TLS with the target inside the tunnel (TLS in
  TLS for an `https://` proxy).
- Everything, proxy and TLS included, happens within `timeout` seconds.

Failures raise a `DialError` whose text says what failed, in words a person can act on:
the proxy's refusal with its status (`ProxyRefusedError`), a proxy asking for credentials
(`ProxyAuthenticationError`), a certificate that does not verify, naming the host and the CA
bundle (`CertificateError`), no answer in time (`DialTimeoutError`), or a refused connection.
The text never holds the proxy's password: proxies are named by scheme, host and port only.
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from botocore.httpsession import ProxyConfiguration

_MAX_PROXY_ANSWER = 64 * 1024
_DEFAULT_PROXY_PORTS = {"http": 80, "https": 443}
_CREDENTIALS_HINT = "http://user:password@host:port"


class DialError(Exception):
    """The connection could not be opened; the text says why and holds no secret.

    `final`: dialling again cannot help (the proxy said no, the proxy setting is not a URL,
    a certificate did not verify), where a network that may come back is worth a retry.
    """

    final = False


class DialTimeoutError(DialError):
    """No answer within the time limit (from the host, the proxy, or a TLS handshake)."""


class ProxyRefusedError(DialError):
    """The proxy answered CONNECT with a status other than 2xx (`status`)."""

    final = True

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ProxyAuthenticationError(ProxyRefusedError):
    """The proxy answered 407: it wants a user name and password, or refused those given."""


class ProxyUrlError(DialError):
    """The proxy setting is not an http:// or https:// URL with a host."""

    final = True


class CertificateError(DialError):
    """A TLS certificate (the target's or an https:// proxy's) did not verify."""

    final = True


@dataclass(frozen=True, repr=False)
class Route:
    """How to reach one URL: `proxy_url` (None: directly), and the CA bundle files to trust.

    `ca_bundle` None trusts OpenSSL's default paths; `services/aws/transport.py` always
    names a file (botocore's choice). `proxy_ca_bundle` is trusted for an `https://` proxy
    in addition to `ca_bundle`. `proxy_url` may hold a password: `repr` and `proxy_label`
    never show it.
    """

    proxy_url: str | None = None
    ca_bundle: str | None = None
    proxy_ca_bundle: str | None = None

    @property
    def proxy_label(self) -> str | None:
        """The proxy as scheme://host:port, without credentials; None when direct."""
        if not self.proxy_url:
            return None
        try:
            scheme, host, port = _proxy_address(self.proxy_url)
        except DialError:
            return "(a proxy URL that is not http://host:port)"
        return f"{scheme}://{_authority(host, port)}"

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying client context trusting `ca_bundle`; shared by the routes that name
        the same file, and made again when the file changes. Raises `DialError` when the
        bundle cannot be read."""
        return _verifying_context((self.ca_bundle,) if self.ca_bundle else ())

    def proxy_ssl_context(self) -> ssl.SSLContext:
        """The context for TLS with an `https://` proxy: `ca_bundle` and `proxy_ca_bundle`."""
        bundles = tuple(path for path in (self.ca_bundle, self.proxy_ca_bundle) if path)
        return _verifying_context(bundles)

    def __repr__(self) -> str:
        return (
            f"Route(proxy={self.proxy_label}, ca_bundle={self.ca_bundle!r}, "
            f"proxy_ca_bundle={self.proxy_ca_bundle!r})"
        )


DIRECT = Route()


async def dial(
    protocol: asyncio.Protocol,
    host: str,
    port: int,
    route: Route,
    *,
    tls: bool,
    timeout: float,
) -> asyncio.Transport:
    """Connect `protocol` to host:port along `route` (see the module docstring), with TLS
    verified for `host` when `tls`. On return `protocol.connection_made` has been called
    with the transport. Raises `DialError` (after closing whatever was opened)."""
    holder = _Holder()
    step = _Step(_authority(host, port))
    try:
        async with asyncio.timeout(timeout):
            transport = await _connect(holder, host, port, route, tls=tls, step=step)
    except TimeoutError:
        holder.abort()
        raise DialTimeoutError(f"no answer from {step.peer} within {timeout:g} s") from None
    except BaseException:
        holder.abort()
        raise
    holder.hand_over(transport, protocol)
    return transport


async def open_stream(
    host: str,
    port: int,
    route: Route,
    *,
    tls: bool,
    timeout: float,
    limit: int = 2**16,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """`dial` for stream users: a (reader, writer) pair, made as asyncio.open_connection
    makes its own (its docstring invites copying it). Raises `DialError`."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=limit, loop=loop)
    protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
    transport = await dial(protocol, host, port, route, tls=tls, timeout=timeout)
    return reader, asyncio.StreamWriter(transport, protocol, reader, loop)


@dataclass
class _Step:
    """Who the dial waits for now, for the timeout's message."""

    peer: str


async def _connect(
    holder: _Holder, host: str, port: int, route: Route, *, tls: bool, step: _Step
) -> asyncio.Transport:
    if not route.proxy_url:
        target_context = route.ssl_context() if tls else None
        return await _open(
            holder, host, port, context=target_context, label=step.peer, trusted=_trusted(route)
        )
    scheme, proxy_host, proxy_port = _proxy_address(route.proxy_url)
    label = f"the proxy {route.proxy_label}"
    step.peer = label
    proxy_context = route.proxy_ssl_context() if scheme == "https" else None
    trusted = _trusted(route, proxy=True)
    transport = await _open(
        holder,
        proxy_host,
        proxy_port,
        context=proxy_context,
        label=label,
        trusted=trusted,
    )
    await _tunnel(holder, transport, host, port, route)
    if not tls:
        return transport
    step.peer = f"{_authority(host, port)} (through {label})"
    return await _start_tls(holder, transport, host, route)


async def _open(
    holder: _Holder,
    host: str,
    port: int,
    *,
    context: ssl.SSLContext | None,
    label: str,
    trusted: str,
) -> asyncio.Transport:
    """TCP (and TLS when `context`, which trusts `trusted`) to host:port; errors name
    `label`."""
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_connection(
            lambda: holder, host, port, ssl=context, server_hostname=host if context else None
        )
    except TimeoutError:  # before OSError, its base class: the caller words it
        raise
    except ssl.SSLCertVerificationError as exc:
        raise _certificate_error(host, exc, trusted) from None
    except ssl.SSLError as exc:
        raise DialError(f"TLS with {label} failed ({_reason(exc)})") from None
    except OSError as exc:
        raise DialError(f"cannot connect to {label}: {exc.strerror or exc}") from None
    assert isinstance(transport, asyncio.Transport)
    return transport


async def _tunnel(
    holder: _Holder, transport: asyncio.Transport, host: str, port: int, route: Route
) -> None:
    """CONNECT host:port through the proxy `transport` leads to; raises unless it agrees."""
    assert route.proxy_url is not None
    target = _authority(host, port)
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    # botocore's own rule for the header (both a user name and a password in the URL).
    for name, value in ProxyConfiguration().proxy_headers_for(route.proxy_url).items():
        lines.append(f"{name}: {value}")
    transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    label = f"the proxy {route.proxy_label}"
    try:
        head = await holder.read_head()
    except (EOFError, ValueError) as exc:
        raise DialError(f"{label} did not answer CONNECT as an HTTP proxy ({exc})") from None
    status, reason = _status(head, label)
    if status == 407:
        raise ProxyAuthenticationError(authentication_message(route), status)
    if not 200 <= status < 300:
        raise ProxyRefusedError(
            f"{label} refused a tunnel to {target} (HTTP {status} {reason})".rstrip(), status
        )
    if holder.has_data:
        raise DialError(f"{label} sent data before the tunnel to {target} was open")


async def _start_tls(
    holder: _Holder, transport: asyncio.Transport, host: str, route: Route
) -> asyncio.Transport:
    """TLS with `host` inside the proxy's tunnel (over the proxy's own TLS if any)."""
    loop = asyncio.get_running_loop()
    context = route.ssl_context()
    try:
        tls_transport = await loop.start_tls(transport, holder, context, server_hostname=host)
    except TimeoutError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise _certificate_error(host, exc, _trusted(route)) from None
    except (ssl.SSLError, ConnectionError) as exc:
        raise DialError(
            f"TLS with {host} through the proxy {route.proxy_label} failed ({_reason(exc)})"
        ) from None
    assert tls_transport is not None
    return tls_transport


def _status(head: bytes, label: str) -> tuple[int, str]:
    version, _, rest = head.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not code.isdigit():
        raise DialError(f"{label} did not answer CONNECT as an HTTP proxy")
    return int(code), reason.strip()


def authentication_message(route: Route) -> str:
    """What to do about a proxy that answered 407 (Proxy Authentication Required)."""
    assert route.proxy_url is not None
    label = f"the proxy {route.proxy_label}"
    if urlsplit(route.proxy_url).username:
        return (
            f"{label} refused the user name and password in its URL (HTTP 407): check them "
            f"in HTTPS_PROXY ({_CREDENTIALS_HINT})"
        )
    return (
        f"{label} asks for a user name and password: put them in HTTPS_PROXY as {_CREDENTIALS_HINT}"
    )


def _trusted(route: Route, *, proxy: bool = False) -> str:
    """The CA bundles a context of `route` trusts, for messages."""
    bundles = [route.ca_bundle, route.proxy_ca_bundle] if proxy else [route.ca_bundle]
    return ", ".join(path for path in bundles if path) or "OpenSSL's default CAs"


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "reason", None) or exc or type(exc).__name__)


def _certificate_error(
    host: str, exc: ssl.SSLCertVerificationError, trusted: str
) -> CertificateError:
    return CertificateError(
        f"the TLS certificate of {host} could not be verified ({exc.verify_message}; trusted: "
        f"{trusted}). If a proxy or firewall inspects TLS, set AWS_CA_BUNDLE (or ca_bundle in "
        "the AWS profile) to the file of its CA certificate"
    )


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _proxy_address(proxy_url: str) -> tuple[str, str, int]:
    """Scheme, host and port of an http:// or https:// proxy URL; `DialError` otherwise
    (whose text never repeats the URL: it may hold a password)."""
    try:
        parts = urlsplit(proxy_url)
        port = parts.port or _DEFAULT_PROXY_PORTS.get(parts.scheme, 0)
    except ValueError:  # "http://[::1" and the like
        port = 0
    if not port or parts.scheme not in _DEFAULT_PROXY_PORTS or not parts.hostname:
        raise ProxyUrlError(
            "the proxy URL (HTTPS_PROXY, or the system's proxy settings) is not "
            "http://host:port or https://host:port"
        )
    return parts.scheme, parts.hostname, port


def _verifying_context(bundles: tuple[str, ...]) -> ssl.SSLContext:
    stamps = []
    for path in bundles:
        try:
            status = os.stat(path)
        except OSError as exc:
            raise DialError(
                f"cannot read the CA bundle {path} ({exc.strerror}): check AWS_CA_BUNDLE or "
                "ca_bundle in the AWS profile"
            ) from None
        stamps.append((status.st_mtime_ns, status.st_size))
    return _context_for(bundles, tuple(stamps))


@functools.lru_cache(maxsize=8)
def _context_for(bundles: tuple[str, ...], _stamps: tuple[tuple[int, int], ...]) -> ssl.SSLContext:
    """One context per set of bundle files as they are now: loading a bundle of ~150 CAs
    takes about 20 ms, too long to repeat on the event loop for every connection."""
    try:
        context = ssl.create_default_context(cafile=bundles[0] if bundles else None)
        for path in bundles[1:]:
            context.load_verify_locations(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        raise DialError(
            f"cannot load the CA bundle {', '.join(bundles)} ({_reason(exc)}): check "
            "AWS_CA_BUNDLE or ca_bundle in the AWS profile"
        ) from None
    return context


class _Holder(asyncio.Protocol):
    """A new connection's protocol until its owner's takes over: reads the proxy's answer to
    CONNECT and keeps whatever else happens, to pass it on at the hand-over."""

    def __init__(self) -> None:
        self.transport: asyncio.BaseTransport | None = None
        self._buffer = bytearray()
        self._eof = False
        self._lost = False
        self._lost_exc: Exception | None = None
        self._wakeup: asyncio.Future[None] | None = None

    @property
    def has_data(self) -> bool:
        return bool(self._buffer)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._wake()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        return False  # a peer that stops before the hand-over leaves nothing to hand over

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost, self._lost_exc = True, exc
        self._wake()

    async def read_head(self) -> bytes:
        """The next HTTP head (up to its blank line); EOFError if the peer stops first,
        ValueError if it is too long to be one."""
        while (end := self._buffer.find(b"\r\n\r\n")) < 0:
            if self._eof or self._lost:
                raise EOFError("it closed the connection")
            if len(self._buffer) > _MAX_PROXY_ANSWER:
                raise ValueError("its answer is too long")
            self._wakeup = asyncio.get_running_loop().create_future()
            await self._wakeup
        head = bytes(self._buffer[:end])
        del self._buffer[: end + 4]
        return head

    def hand_over(self, transport: asyncio.Transport, protocol: asyncio.Protocol) -> None:
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        if self._buffer:
            protocol.data_received(bytes(self._buffer))
            self._buffer.clear()
        if self._lost:
            protocol.connection_lost(self._lost_exc)
        elif self._eof and not protocol.eof_received():
            transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()  # type: ignore[attr-defined]

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)
