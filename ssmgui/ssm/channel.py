"""DataChannel: one Port session's data channel, alive across WebSocket reconnects.

It speaks docs/protocol.md §3–§6: OpenDataChannel, the handshake, and the reliability
layer (ack every accepted message, in-order delivery through a reorder buffer, RTO-based
resend of unacked messages). Unlike the plugin, it does not sleep 1 ms per KiB: a bounded
window of unacked messages paces the sender instead. When the WebSocket drops or the
service recycles it (close 1000 "Bye"), it asks for a new token (ResumeSession) and
reconnects; sequence numbers continue and unacked messages are resent, so no byte is lost
and local connections stay open.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ssmgui.core.errors import (
    ConnectionLostError,
    ProtocolError,
    SessionClosedError,
    SessionEndedByServiceError,
    SessionStartError,
    SsmGuiError,
)
from ssmgui.ssm.dial import Route
from ssmgui.ssm.endpoints import check_stream_url
from ssmgui.ssm.handshake import PORT_SESSION_TYPES, Handshake, HandshakeState
from ssmgui.ssm.kms import (
    DataKeySource,
    KmsRequest,
    SessionCipher,
    action_result,
    encryption_context,
)
from ssmgui.ssm.message import (
    MAX_STREAM_PAYLOAD,
    Flag,
    Frame,
    MalformedMessageError,
    MessageType,
    PayloadType,
    ack_sequence,
    encode_ack,
    encode_stream_frame,
    flag_payload,
    parse_flag,
    parse_frame,
)
from ssmgui.ssm.reliability import OutgoingBuffer, ReorderBuffer
from ssmgui.ssm.websocket import LinkOpenError, WebSocketLink, open_link

log = logging.getLogger(__name__)

# Above 1.2.331.0 the agent turns its smux keepalive off (§8), so the idle timeout works;
# at AWS's stated minimum in case the service checks it (§13).
CLIENT_VERSION = "1.2.764.0"
RESEND_TICK_S = 0.05


@dataclass(frozen=True)
class StreamEndpoint:
    """Where and how to attach: StartSession's or ResumeSession's answer."""

    session_id: str
    token_value: str = field(repr=False)
    stream_url: str


class SessionControl(Protocol):
    """The control plane the channel needs; services implement it with boto3."""

    async def resume(self, session_id: str) -> StreamEndpoint:
        """ResumeSession. Raise SsmGuiError if the service refuses (final), any other
        exception for a transient failure (retried)."""

    async def terminate(self, session_id: str) -> None: ...

    async def sign(self, url: str) -> Mapping[str, str]:
        """SigV4 headers for the WebSocket upgrade of `url` (empty if unsigned)."""

    async def route(self, url: str) -> Route:
        """How to reach `url`: the proxy and CA bundle botocore would use (ssm/dial.py);
        asked before every connect, the first and each one after ResumeSession."""


class ChannelSink(Protocol):
    def on_output(self, data: bytes) -> None: ...

    def on_flag(self, flag: int) -> None: ...


#: Payload types a shell's sink may take besides Output and Flag (§14): a sink with an
#: `on_shell_payload(payload_type, payload)` method gets them; others never see them.
SHELL_PAYLOAD_TYPES = frozenset({PayloadType.STDERR, PayloadType.EXIT_CODE})


@dataclass(frozen=True)
class ChannelOptions:
    client_version: str = CLIENT_VERSION
    window: int = 4096  # unacked upstream messages in flight (the agent buffers 100,000)
    allowed_hosts: frozenset[str] = frozenset()
    handshake_timeout_s: float = 30.0
    resume_budget_s: float = 120.0
    ping_interval_s: float | None = 20.0
    ping_timeout_s: float = 20.0
    session_types: frozenset[str] = PORT_SESSION_TYPES  # what the handshake accepts (§4)
    kms: DataKeySource | None = None  # data keys for a KMS-encrypted shell (§14)


@dataclass
class ChannelStats:
    bytes_up: int = 0
    bytes_down: int = 0
    reconnects: int = 0
    resends: int = 0
    malformed: int = 0


class DataChannel:
    def __init__(
        self,
        endpoint: StreamEndpoint,
        control: SessionControl,
        options: ChannelOptions | None = None,
    ) -> None:
        self.session_id = endpoint.session_id
        self._endpoint = endpoint
        self._control = control
        self._options = options or ChannelOptions()
        self._loop = asyncio.get_running_loop()
        self._client_id = str(uuid.uuid4())
        self._link: WebSocketLink | None = None
        self._sink: ChannelSink | None = None
        self._early_output: list[tuple[PayloadType, bytes]] = []
        self._outgoing = OutgoingBuffer(self._options.window)
        self._sending = asyncio.Lock()
        self._incoming = ReorderBuffer()
        self._handshake = HandshakeState(
            self._options.client_version,
            self._options.session_types,
            kms_allowed=self._options.kms is not None,
        )
        self._cipher: SessionCipher | None = None  # once KMS encryption is agreed (§14)
        self._done: asyncio.Future[SsmGuiError | None] = self._loop.create_future()
        self._closing = False
        self._outcome: SsmGuiError | None = None  # what wait_closed reports after close()
        self._terminate_requested = False
        self._closed_by_service = asyncio.Event()
        self._reading_paused = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = ChannelStats()

    # --- lifecycle ----------------------------------------------------------------------

    async def open(self) -> Handshake:
        """Connect, send OpenDataChannel, and complete the handshake (§4).

        On any failure the session is terminated (flag and API) before the error is raised.
        """
        try:
            async with asyncio.timeout(self._options.handshake_timeout_s):
                await self._attach(self._endpoint)
                self._spawn(self._resend_loop())
                return await self._handshake.completed
        except TimeoutError:
            await self._close_failed_open("handshake timed out")
            raise ProtocolError(
                f"The instance's agent did not complete the handshake within "
                f"{self._options.handshake_timeout_s:.0f} s. Check that the agent is running "
                "and up to date."
            ) from None
        except LinkOpenError as exc:
            await self._close_failed_open("data channel unreachable")
            raise SessionStartError(
                f"Cannot open the Session Manager data channel: {exc}. Check your network, "
                "VPN or proxy."
            ) from None
        except BaseException:
            await self._close_failed_open("open failed")
            raise

    async def _close_failed_open(self, reason: str) -> None:
        """Close, and call TerminateSession even when the channel had already ended (the
        token refused, the link dropped): the service still holds the session."""
        await self.close(reason=reason)
        await self._terminate_via_api()

    def set_sink(self, sink: ChannelSink) -> None:
        self._sink = sink
        early, self._early_output = self._early_output, []
        for payload_type, data in early:
            self._hand_over(payload_type, data)

    @property
    def is_closed(self) -> bool:
        return self._done.done()

    async def wait_closed(self) -> SsmGuiError | None:
        """Wait for the end; None if we closed it, else why the service or network did."""
        return await asyncio.shield(self._done)

    def fail(self, error: SsmGuiError) -> None:
        """End the session because of `error`: it is terminated as `close` does, and
        `wait_closed` returns `error`. Later calls, and calls while closing, do nothing."""
        if self._done.done() or self._closing:
            return
        self._outcome = error
        closing = self._loop.create_task(self.close(reason=error.user_message))
        self._tasks.add(closing)
        closing.add_done_callback(self._tasks.discard)

    async def close(self, *, terminate: bool = True, reason: str = "stopped") -> None:
        """End the session: flag TerminateSession, then the TerminateSession API (§13)."""
        if self._done.done() or self._closing:
            return
        self._closing = True
        log.info("closing session %s: %s", self.session_id, reason)
        if terminate and self._link is not None:
            self._send_stream(PayloadType.FLAG, flag_payload(Flag.TERMINATE_SESSION))
            try:
                async with asyncio.timeout(1.0):
                    await self._closed_by_service.wait()
            except TimeoutError:
                log.debug("no channel_closed after TerminateSession flag")
        if terminate:
            await self._terminate_via_api()
        self._finish(self._outcome)

    # --- sending ------------------------------------------------------------------------

    async def send(self, data: bytes) -> None:
        """Send stream bytes (PT Output) in ≤1 KiB messages, waiting while the window is full.

        The bytes of one call go out contiguously, whatever other callers do meanwhile: an
        smux frame cut into several messages must not have another stream's frame inside it
        (the agent reads the messages as one byte stream, docs/protocol.md §7).
        """
        async with self._sending:
            for start in range(0, len(data), MAX_STREAM_PAYLOAD):
                if self._outgoing.full:
                    await self._wait_for_window()
                self._send_stream(PayloadType.OUTPUT, data[start : start + MAX_STREAM_PAYLOAD])
                self.stats.bytes_up += min(MAX_STREAM_PAYLOAD, len(data) - start)

    async def send_size(self, cols: int, rows: int) -> None:
        """Tell a shell's agent the terminal's size (PT3 Size, docs/protocol.md §14), after
        every byte already handed to `send`."""
        payload = json.dumps({"cols": cols, "rows": rows}, separators=(",", ":")).encode()
        async with self._sending:
            if self._outgoing.full:
                await self._wait_for_window()
            self._send_stream(PayloadType.SIZE, payload)

    async def send_flag(self, flag: Flag) -> None:
        """Send a flag message after every byte already handed to `send`."""
        async with self._sending:
            if self._outgoing.full:
                await self._wait_for_window()
            self._send_stream(PayloadType.FLAG, flag_payload(flag))

    def pause_reading(self) -> None:
        """Stop reading the WebSocket: local clients are not keeping up (backpressure)."""
        self._reading_paused = True
        if self._link is not None:
            self._link.pause_reading()

    def resume_reading(self) -> None:
        self._reading_paused = False
        if self._link is not None:
            self._link.resume_reading()

    async def _wait_for_window(self) -> None:
        while self._outgoing.full:
            if self._done.done():
                raise self._done.result() or SessionClosedError("The session is closed.")
            await self._outgoing.wait_for_space()

    def _send_stream(self, payload_type: PayloadType, payload: bytes) -> None:
        seq = self._outgoing.next_sequence()
        if self._cipher is not None and payload_type == PayloadType.OUTPUT:
            payload = self._cipher.encrypt(payload)
        frame = encode_stream_frame(MessageType.INPUT_STREAM_DATA, seq, payload_type, payload)
        self._outgoing.add(seq, frame, self._loop.time())
        if self._link is not None:
            self._link.send_binary(frame)

    # --- receiving (LinkListener) -------------------------------------------------------

    def on_frame(self, data: bytes) -> None:
        try:
            message = parse_frame(data)
        except MalformedMessageError as exc:
            self.stats.malformed += 1
            log.warning("dropped a malformed data-channel frame: %s", exc)
            return
        kind = message.message_type
        if kind == MessageType.OUTPUT_STREAM_DATA:
            self._on_stream_message(message)
        elif kind == MessageType.ACKNOWLEDGE:
            self._on_ack(message)
        elif kind == MessageType.CHANNEL_CLOSED:
            self._on_channel_closed(message)
        else:  # start/pause_publication: the plugin ignores them too (§2)
            log.debug("ignored %s", kind)

    def _on_stream_message(self, message: Frame) -> None:
        accepted = self._incoming.accept(message)
        if accepted is None:  # reorder buffer full: no ack, the agent will resend
            return
        self._send_ack(message)
        for ready in accepted:
            self._deliver(ready)

    def _on_ack(self, message: Frame) -> None:
        try:
            sequence = ack_sequence(message.payload)
        except MalformedMessageError as exc:
            self.stats.malformed += 1
            log.warning("%s", exc)
            return
        self._outgoing.acknowledge(sequence, self._loop.time())

    def _on_channel_closed(self, message: Frame) -> None:
        self._closed_by_service.set()
        if self._closing:
            self._finish(self._outcome)
            return
        reason = _channel_closed_reason(message.payload, self.session_id)
        self._finish(SessionEndedByServiceError(reason))

    def _deliver(self, message: Frame) -> None:
        ptype = message.payload_type
        if ptype == PayloadType.OUTPUT or ptype in SHELL_PAYLOAD_TYPES:
            payload = message.payload
            if self._cipher is not None:
                try:
                    payload = self._cipher.decrypt(payload)
                except ProtocolError as exc:
                    self.fail(exc)
                    return
            self.stats.bytes_down += len(payload)
            if self._sink is None:
                self._early_output.append((PayloadType(ptype), payload))
                return
            self._hand_over(ptype, payload)
        elif ptype == PayloadType.ENC_CHALLENGE_REQUEST:
            self._on_challenge(message.payload)
        elif ptype == PayloadType.FLAG:
            self._on_flag(message.payload)
        elif ptype in (PayloadType.HANDSHAKE_REQUEST, PayloadType.HANDSHAKE_COMPLETE):
            self._on_handshake_message(message)
        else:
            log.debug("ignored payload type %s", ptype)

    def _hand_over(self, payload_type: int, payload: bytes) -> None:
        sink = self._sink
        assert sink is not None
        try:
            if payload_type == PayloadType.OUTPUT:
                sink.on_output(payload)
                return
            shell_payload = getattr(sink, "on_shell_payload", None)
            if shell_payload is None:
                log.debug("ignored payload type %s", payload_type)
            else:
                shell_payload(PayloadType(payload_type), payload)
        except ProtocolError as exc:
            # Not a dropped link: resuming would feed the same broken stream again.
            self.fail(exc)

    def _on_flag(self, payload: bytes) -> None:
        try:
            flag = parse_flag(payload)
        except MalformedMessageError as exc:
            log.warning("%s", exc)
            return
        if self._sink is not None:
            self._sink.on_flag(flag)

    def _on_handshake_message(self, message: Frame) -> None:
        try:
            response = self._handshake.handle(message)
        except ProtocolError as exc:
            # The agent's fault, reported by open(); raised here it would drop the link.
            self._handshake.fail(exc)
            return
        if response is not None:
            self._send_stream(PayloadType.HANDSHAKE_RESPONSE, response)
        elif self._handshake.kms_request is not None and not self._handshake.completed.done():
            self._spawn(self._answer_kms(self._handshake.kms_request))

    async def _answer_kms(self, request: KmsRequest) -> None:
        """kms:GenerateDataKey, then the HandshakeResponse with the encrypted key (§14)."""
        source = self._options.kms
        assert source is not None
        context = encryption_context(self.session_id, source.target_id, request.challenge)
        try:
            blob, data_key = await source.generate_data_key(request.key_id, context)
            cipher = SessionCipher(data_key)
        except Exception as exc:  # a refusal, or KMS unreachable: the handshake fails
            error = (
                exc
                if isinstance(exc, SsmGuiError)
                else ProtocolError(
                    f"kms:GenerateDataKey for the key {request.key_id} failed: {exc}"
                )
            )
            self._send_stream(
                PayloadType.HANDSHAKE_RESPONSE, self._handshake.answer_kms(None, error)
            )
            return
        self._cipher = cipher
        response = self._handshake.answer_kms(action_result(blob, request), None)
        self._send_stream(PayloadType.HANDSHAKE_RESPONSE, response)

    def _on_challenge(self, payload: bytes) -> None:
        """EncChallengeRequest: prove we hold the data key (§14)."""
        if self._cipher is None:
            log.warning("an encryption challenge, but no KMS key was agreed")
            return
        try:
            answer = self._cipher.answer_challenge(payload)
        except ProtocolError as exc:
            self._handshake.fail(exc)
            return
        self._send_stream(PayloadType.ENC_CHALLENGE_RESPONSE, answer)

    def _send_ack(self, message: Frame) -> None:
        if self._link is not None:
            self._link.send_binary(encode_ack(message))

    def on_link_closed(self, link: WebSocketLink, code: int | None, reason: str) -> None:
        if link is not self._link:
            return
        self._link = None
        if self._closing or self._done.done():
            return
        if not self._handshake.completed.done():
            self._finish(_refused_during_open(code, reason))
            return
        log.info("data channel lost (%s %s): resuming session", code, reason)
        self._spawn(self._reconnect())

    # --- reconnect and resend -----------------------------------------------------------

    async def _attach(self, endpoint: StreamEndpoint) -> None:
        check_stream_url(endpoint.stream_url, self._options.allowed_hosts)
        headers = await self._control.sign(endpoint.stream_url)
        link = await open_link(
            endpoint.stream_url,
            headers,
            self,
            route=await self._control.route(endpoint.stream_url),
            ping_interval=self._options.ping_interval_s,
            ping_timeout=self._options.ping_timeout_s,
        )
        if self._reading_paused:
            link.pause_reading()
        link.send_text(self._open_data_channel(endpoint.token_value))
        self._link = link

    def _open_data_channel(self, token: str) -> str:
        return json.dumps(
            {
                "MessageSchemaVersion": "1.0",
                "RequestId": str(uuid.uuid4()),
                "TokenValue": token,
                "ClientId": self._client_id,
                "ClientVersion": self._options.client_version,
            }
        )

    async def _reconnect(self) -> None:
        deadline = self._loop.time() + self._options.resume_budget_s
        delay = 0.1
        last_error = "no attempt made"
        while not self._done.done() and not self._closing:
            try:
                endpoint = await self._control.resume(self.session_id)
                if not endpoint.token_value:
                    self._finish(ConnectionLostError(f"Session {self.session_id} timed out."))
                    return
                await self._attach(endpoint)
                self.stats.reconnects += 1
                self._resend_all()
                return
            except SsmGuiError as exc:
                self._finish(exc)
                return
            except LinkOpenError as exc:
                if exc.final:  # the proxy or a certificate said no: it will say it again
                    self._finish(ConnectionLostError(f"Cannot resume the session: {exc}"))
                    return
                last_error = str(exc)
            except (OSError, ConnectionError) as exc:
                last_error = str(exc)
            if self._loop.time() + delay > deadline:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
        self._finish(
            ConnectionLostError(
                f"Lost the connection to Session Manager and could not resume within "
                f"{self._options.resume_budget_s:.0f} s ({last_error}). Check your network."
            )
        )

    def _resend_all(self) -> None:
        link = self._link
        if link is None:
            return
        for frame in self._outgoing.take_all_for_resend(self._loop.time()):
            link.send_binary(frame)
            self.stats.resends += 1

    async def _resend_loop(self) -> None:
        while not self._done.done():
            await asyncio.sleep(RESEND_TICK_S)
            link = self._link
            if link is None:
                continue
            for frame in self._outgoing.take_expired(self._loop.time()):
                link.send_binary(frame)
                self.stats.resends += 1

    # --- ending -------------------------------------------------------------------------

    async def _terminate_via_api(self) -> None:
        """TerminateSession, once per channel however many paths ask for it."""
        if self._terminate_requested:
            return
        self._terminate_requested = True
        try:
            async with asyncio.timeout(10):
                await self._control.terminate(self.session_id)
        except (SsmGuiError, OSError, ConnectionError, TimeoutError) as exc:
            log.warning("TerminateSession for %s failed: %s", self.session_id, exc)

    def _finish(self, error: SsmGuiError | None) -> None:
        if self._done.done():
            return
        self._done.set_result(error)
        self._handshake.fail(error or SessionClosedError("The session was closed."))
        self._outgoing.wake_all()
        if self._link is not None:
            self._link.close()
            self._link = None
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _channel_closed_reason(payload: bytes, session_id: str) -> str:
    try:
        output = str(json.loads(payload).get("Output") or "")
    except (ValueError, AttributeError):
        output = ""
    if output:
        return f"Session Manager ended session {session_id}: {output}"
    return f"Session Manager ended session {session_id}."


def _refused_during_open(code: int | None, reason: str) -> SsmGuiError:
    if code == 1003:
        return SessionClosedError(
            f"Session Manager refused the session token ({reason or 'close 1003'}). "
            "Start a new session."
        )
    return SessionClosedError(
        f"The data channel closed before the session was ready ({code or 'dropped'}"
        f"{': ' + reason if reason else ''})."
    )
