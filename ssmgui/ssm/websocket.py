"""One WebSocket connection to the data-channel service, as an asyncio Protocol.

Why not websockets' own asyncio client: the data channel moves thousands of ≤1 KiB frames
a second and acknowledges each one. Driving websockets' sans-I/O `ClientProtocol` directly
lets frames be handled synchronously as they arrive (no task or future per message) and
every frame produced in one loop iteration leave in a single transport write.

A link has a lifecycle: `open_link` resolves once the upgrade succeeded; afterwards the
listener hears every frame and, exactly once, that the link closed (with code and reason,
or code None for an abrupt drop). The connection under it is dialled along a `Route`
(ssm/dial.py): directly or through the proxy botocore would use, trusting botocore's CAs.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from typing import Protocol

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from ssmgui.ssm.dial import DIRECT, DialError, Route, dial

log = logging.getLogger(__name__)

MAX_FRAME = 4 * 1024 * 1024
CLOSE_TIMEOUT = 2.0


class LinkListener(Protocol):
    def on_frame(self, data: bytes) -> None:
        """A complete binary (or text, as UTF-8 bytes) message arrived."""

    def on_link_closed(self, link: WebSocketLink, code: int | None, reason: str) -> None:
        """The link is gone: code/reason from the close frame, or None if it dropped."""


class LinkOpenError(Exception):
    """The upgrade failed: refused connection, proxy, TLS error, or an HTTP status other
    than 101. The text says which (the dialer's words for the connection, ssm/dial.py)."""

    def __init__(self, message: str, status: int | None = None, *, final: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.final = final  # as DialError.final: trying again cannot help


class _NoDebugLogger(logging.LoggerAdapter[logging.Logger]):
    """websockets' connection logger that never logs at DEBUG.

    At DEBUG websockets logs every upgrade header, and ours carry the SigV4 Authorization
    and the session token (X-Amz-Security-Token): secrets never go to a log, whatever
    level the user turned on.
    """

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - logging's name
        return level > logging.DEBUG and self.logger.isEnabledFor(level)


_WEBSOCKETS_LOG = _NoDebugLogger(logging.getLogger("websockets.client"), {})


class WebSocketLink(asyncio.Protocol):
    def __init__(
        self,
        url: str,
        headers: Mapping[str, str],
        listener: LinkListener,
        *,
        ping_interval: float | None,
        ping_timeout: float,
    ) -> None:
        self._ws = ClientProtocol(parse_uri(url), max_size=MAX_FRAME, logger=_WEBSOCKETS_LOG)
        self._headers = dict(headers)
        self._listener = listener
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = self._loop.create_future()
        self.writable = asyncio.Event()
        self.writable.set()
        self._flush_scheduled = False
        self._closed_reported = False
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._last_pong = self._loop.time()
        self._keepalive: asyncio.TimerHandle | None = None

    # --- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        request = self._ws.connect()
        for name, value in self._headers.items():
            request.headers[name] = value
        self._ws.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        self._ws.receive_data(data)
        for event in self._ws.events_received():
            if isinstance(event, Frame):
                self._on_ws_frame(event)
            elif isinstance(event, Response):
                self._on_response(event)
        self._flush()
        self._close_transport_if_expected()

    def eof_received(self) -> bool | None:
        self._ws.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_keepalive()
        if not self.opened.done():
            detail = str(exc) if exc else "connection closed during the upgrade"
            self.opened.set_exception(LinkOpenError(detail))
            return
        code, reason = self._close_details()
        self._report_closed(code, reason)

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    # --- sending ------------------------------------------------------------------------

    def send_binary(self, data: bytes) -> None:
        if self._ws.state is State.OPEN:
            self._ws.send_binary(data)
            self._schedule_flush()

    def send_text(self, text: str) -> None:
        if self._ws.state is State.OPEN:
            self._ws.send_text(text.encode())
            self._schedule_flush()

    @property
    def is_open(self) -> bool:
        return self._ws.state is State.OPEN and not self._closed_reported

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the closing handshake; the transport is torn down after a short grace."""
        if self._ws.state is State.OPEN:
            self._ws.send_close(code, reason)
            self._flush()
        if self._transport is not None:
            self._loop.call_later(CLOSE_TIMEOUT, self._transport.abort)

    def pause_reading(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.resume_reading()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    # --- internals ----------------------------------------------------------------------

    def _on_response(self, response: Response) -> None:
        if self._ws.handshake_exc is not None:
            self.opened.set_exception(_open_error(self._ws.handshake_exc))
            return
        self.opened.set_result(None)
        self._schedule_keepalive()

    def _on_ws_frame(self, frame: Frame) -> None:
        if frame.opcode is Opcode.BINARY or frame.opcode is Opcode.TEXT:
            self._listener.on_frame(bytes(frame.data))
        elif frame.opcode is Opcode.PONG:
            self._last_pong = self._loop.time()

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        writes = self._ws.data_to_send()
        if not writes or self._transport is None or self._transport.is_closing():
            return
        data = b"".join(writes)
        if data:
            self._transport.write(data)
        elif self._transport.can_write_eof():
            self._transport.write_eof()

    def _close_transport_if_expected(self) -> None:
        if self._ws.close_expected() and self._transport is not None:
            self._loop.call_later(CLOSE_TIMEOUT, self._transport.abort)

    def _close_details(self) -> tuple[int | None, str]:
        received = self._ws.close_rcvd
        if received is not None:
            return received.code, received.reason
        return None, "connection dropped"

    def _report_closed(self, code: int | None, reason: str) -> None:
        if not self._closed_reported:
            self._closed_reported = True
            self._listener.on_link_closed(self, code, reason)

    def _schedule_keepalive(self) -> None:
        if self._ping_interval:
            self._keepalive = self._loop.call_later(self._ping_interval, self._ping)

    def _cancel_keepalive(self) -> None:
        if self._keepalive is not None:
            self._keepalive.cancel()

    def _ping(self) -> None:
        """WebSocket ping as dead-peer detection (session-manager-plugin#47 has none)."""
        assert self._ping_interval is not None
        if self._ws.state is not State.OPEN:
            return
        silent_for = self._loop.time() - self._last_pong
        if silent_for > self._ping_interval + self._ping_timeout:
            log.info("no pong for %.1f s: treating the data channel as dropped", silent_for)
            self.abort()
            return
        self._ws.send_ping(os.urandom(4))
        self._flush()
        self._schedule_keepalive()


def _open_error(exc: Exception) -> LinkOpenError:
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        return LinkOpenError(f"the service refused the WebSocket upgrade (HTTP {status})", status)
    if isinstance(exc, InvalidHandshake):
        return LinkOpenError(f"WebSocket upgrade failed: {exc}")
    return LinkOpenError(str(exc))


async def open_link(
    url: str,
    headers: Mapping[str, str],
    listener: LinkListener,
    *,
    route: Route = DIRECT,
    timeout: float = 30.0,
    ping_interval: float | None = 20.0,
    ping_timeout: float = 20.0,
) -> WebSocketLink:
    """Connect along `route`, upgrade, and return an open link, all within `timeout`
    seconds. Raises LinkOpenError on any failure."""
    uri = parse_uri(url)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    link = WebSocketLink(
        url, headers, listener, ping_interval=ping_interval, ping_timeout=ping_timeout
    )
    try:
        await dial(link, uri.host, uri.port, route, tls=uri.secure, timeout=timeout)
        async with asyncio.timeout_at(deadline):
            await link.opened
    except DialError as exc:
        raise LinkOpenError(str(exc), final=exc.final) from None
    except TimeoutError as exc:
        link.abort()
        raise LinkOpenError(f"no answer from {uri.host} within {timeout:.0f} s") from exc
    except BaseException:  # cancelled, or refused during the upgrade
        link.abort()
        raise
    return link
