"""The data-channel WebSocket endpoint of the fake (MGS, docs/protocol.md §3, §11).

websockets' sans-I/O ServerProtocol handles the HTTP upgrade; after it, frames are read
and written by `wsframes` over an asyncio Protocol, so that many frames leave in one
transport write per event-loop tick: per-message overhead bounds the fake's throughput.
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct
from collections.abc import Callable
from typing import Protocol

from websockets.datastructures import Headers
from websockets.http11 import Request
from websockets.server import ServerProtocol

from ssmgui.demo.channel.delay import DelayLine
from ssmgui.demo.channel.session import FakeSession
from ssmgui.demo.channel.wsframes import (
    OP_BINARY,
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    FrameError,
    FrameReader,
    binary_header,
    server_frame,
)
from ssmgui.demo.faults import Faults

log = logging.getLogger(__name__)

PATH_PREFIX = "/v1/data-channel/"
WRITE_HIGH_WATER = 2 << 20


class Gate(Protocol):
    """What a connection asks of the fake: sessions, faults and the SigV4 verdict."""

    faults: Faults
    sessions: dict[str, FakeSession]

    def check_upgrade(self, session_id: str, headers: Headers, path: str) -> str | None: ...


def session_id_from(path: str) -> str | None:
    if not path.startswith(PATH_PREFIX):
        return None
    sid = path[len(PATH_PREFIX) :].split("?", 1)[0]
    return sid or None


class StreamConnection(asyncio.Protocol):
    """One WebSocket: upgrade, OpenDataChannel token check, then frames ↔ the session."""

    def __init__(self, gate: Gate, on_done: Callable[[StreamConnection], None]) -> None:
        self._gate = gate
        self._on_done = on_done
        self._handshake: ServerProtocol | None = ServerProtocol(max_size=None)
        self._frames = FrameReader()
        self._open = False
        self._close_sent = False
        self._transport: asyncio.Transport | None = None
        self._out: list[bytes] = []
        self._flush_scheduled = False
        self._session_id: str | None = None
        self.session: FakeSession | None = None
        self._blocked = False
        self._deaf_backlog: list[bytes] = []
        self._closer: asyncio.TimerHandle | None = None
        latency: Callable[[], float] = lambda: gate.faults.latency_s  # noqa: E731
        self._inbound = DelayLine(latency, self._process)
        self._outbound = DelayLine(latency, self._write)

    # --- transport callbacks --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)

    def data_received(self, data: bytes) -> None:
        if self._gate.faults.deaf:
            # A dead peer: read nothing more, so pings pile up unanswered (§11 item 9).
            self._deaf_backlog.append(data)
            assert self._transport is not None
            self._transport.pause_reading()
            return
        self._inbound.put([data])

    def wake(self) -> None:
        """Called on the fake's tick: resume reading once `deaf` is switched off."""
        if self._deaf_backlog and not self._gate.faults.deaf and self._transport is not None:
            backlog, self._deaf_backlog = self._deaf_backlog, []
            self._inbound.put(backlog)
            self._transport.resume_reading()

    def pause_writing(self) -> None:
        self._blocked = True
        if self.session is not None:
            self.session.refresh_flow()

    def resume_writing(self) -> None:
        self._blocked = False
        if self.session is not None:
            self.session.refresh_flow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._inbound.close()
        self._outbound.close()
        if self._closer is not None:
            self._closer.cancel()
        self._detach()
        self._on_done(self)

    def _detach(self) -> None:
        if self.session is not None:
            self.session.detach(self)
            self.session = None

    # --- inbound --------------------------------------------------------------------------

    def _process(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            if self._handshake is not None:
                self._upgrade(chunk)
                continue
            try:
                messages = self._frames.feed(chunk)
            except FrameError as exc:
                log.info("bad WebSocket framing: %s", exc)
                self.close(1002, "protocol error")
                return
            for opcode, payload in messages:
                self._on_message(opcode, payload)

    def _upgrade(self, chunk: bytes) -> None:
        handshake = self._handshake
        assert handshake is not None
        handshake.receive_data(chunk)
        for event in handshake.events_received():
            if isinstance(event, Request):
                self._on_request(handshake, event)
        self._out.extend(handshake.data_to_send())
        if self._open:
            self._handshake = None  # clients wait for the 101 before sending frames
        self._schedule_flush()

    def _on_message(self, opcode: int, payload: bytes) -> None:
        if opcode in (OP_BINARY, OP_TEXT):
            if self.session is not None:
                self.session.on_frame(payload)
            elif opcode == OP_TEXT and not self._close_sent:
                self._open_data_channel(payload)
            else:
                self.close(1003, "expected OpenDataChannel first")
        elif opcode == OP_PING:
            self._push(server_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            self._detach()
            if not self._close_sent:
                self._close_sent = True
                self._push(server_frame(OP_CLOSE, payload[:125]))
            self._out.append(b"")  # the server closes TCP after the closing handshake
            self._schedule_flush()

    def _on_request(self, handshake: ServerProtocol, request: Request) -> None:
        sid = session_id_from(request.path)
        if sid is None:
            handshake.send_response(handshake.reject(404, "Not Found\n"))
            return
        problem = self._gate.check_upgrade(sid, request.headers, request.path)
        if problem is not None:
            log.info("upgrade for %s refused: %s", sid, problem)
            handshake.send_response(handshake.reject(403, f"Forbidden: {problem}\n"))
            return
        response = handshake.accept(request)
        handshake.send_response(response)
        if response.status_code == 101:
            self._session_id = sid
            self._open = True

    def _open_data_channel(self, text: bytes) -> None:
        sid = self._session_id
        assert sid is not None
        session = self._gate.sessions.get(sid)
        try:
            body = json.loads(text)
            token = str(body.get("TokenValue") or "")
            client_version = str(body.get("ClientVersion") or "")
        except (ValueError, AttributeError):
            token, client_version = "", ""
        if session is None or session.terminated or not token or token != session.token:
            # §3: the real service's answer to a missing or wrong token.
            self.close(1003, f"Channel {sid}: request to open data channel does not contain token.")
            return
        session.token = None  # single use (§9)
        session.open_client_version = client_version
        self.session = session
        session.attach(self)

    # --- outbound (the Downlink protocol of FakeSession) ----------------------------------

    @property
    def write_blocked(self) -> bool:
        return self._blocked

    def send(self, frame: bytes) -> None:
        if self._open and not self._close_sent:
            self._out.append(binary_header(len(frame)))
            self._out.append(frame)
            if not self._flush_scheduled:
                self._schedule_flush()

    def _push(self, frame: bytes) -> None:
        self._out.append(frame)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        out, self._out = self._out, []
        if out:
            self._outbound.put(out)

    def _write(self, chunks: list[bytes]) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if b"" in chunks:  # end of stream: write what precedes it, then close TCP
            transport.writelines(chunks[: chunks.index(b"")])
            transport.close()
        else:
            transport.writelines(chunks)

    def close(self, code: int, reason: str) -> None:
        """Graceful close: pending frames, then a close frame; abort if the peer lingers."""
        self._detach()
        if self._open and not self._close_sent:
            self._close_sent = True
            self._push(server_frame(OP_CLOSE, struct.pack(">H", code) + reason.encode()[:123]))
        if self._closer is None:
            self._closer = asyncio.get_running_loop().call_later(
                2.0 + 2 * self._gate.faults.latency_s, self.abort
            )

    def abort(self) -> None:
        """Abrupt TCP drop: no close frame."""
        self._detach()
        if self._transport is not None:
            self._transport.abort()
