"""FakeSession: the agent side of one Session Manager session (docs/protocol.md §4, §5, §7).

The session outlives any single WebSocket: sequence numbers, the unacked buffer and the
target connections survive a recycle, and a new WebSocket (after ResumeSession) gets every
unacked message again, in order, at once (§6).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time

from ssmgui.core.errors import ProtocolError
from ssmgui.demo.channel.agent_basic import BasicForwarder
from ssmgui.demo.channel.agent_kms import ENCRYPTED_MESSAGE, AgentEncryption, KeyUnwrapper
from ssmgui.demo.channel.agent_mux import MuxServer
from ssmgui.demo.channel.agent_shell import ShellServer
from ssmgui.demo.channel.downlink import AgentTiming, Downlink
from ssmgui.demo.channel.payloads import (
    channel_closed_frame,
    handshake_complete,
    handshake_request,
    shell_properties,
)
from ssmgui.demo.channel.pump import OutputPump
from ssmgui.demo.channel.reliability import Reliability
from ssmgui.demo.channel.rules import agent_keepalive, agent_uses_mux
from ssmgui.demo.channel.wire import (
    Inbound,
    encode_ack,
    encode_output,
    inbound_from,
    is_plain_ack,
    output_ack_seq,
    parse_input,
)
from ssmgui.demo.faults import Faults
from ssmgui.demo.instance import FakeInstance
from ssmgui.ssm.kms import SessionCipher
from ssmgui.ssm.message import (
    FLAGS_SYN,
    AgentMessage,
    Flag,
    MalformedMessageError,
    MessageType,
    PayloadType,
    decode,
    parse_ack,
    parse_flag,
)

log = logging.getLogger(__name__)

# The agent buffers up to 100,000 unacked messages (its OutgoingMessageBufferCapacity) and
# never stops reading its target before that: pausing at 10,000 stalled a download to one
# message per resend tick once a lossy link left that many unacked.
UNACKED_PAUSE = 100_000
PUMP_PAUSE_BYTES = 1 << 20
# After a shell exits, the agent waits for its output to be acknowledged before it asks the
# service to close the channel (its PrepareToCloseChannel); how long the fake waits at most.
SHELL_DRAIN_S = 30.0
SHELL_DRAIN_POLL_S = 0.05
Handler = MuxServer | BasicForwarder | ShellServer
_ENCRYPTED_OUTPUT = frozenset({PayloadType.OUTPUT, PayloadType.STDERR, PayloadType.EXIT_CODE})


class FakeSession:
    """One session. Public attributes are for tests to inspect; treat them as read-only."""

    def __init__(
        self,
        session_id: str,
        *,
        instance: FakeInstance,
        document: str,
        properties: dict[str, str],
        region: str,
        faults: Faults,
        rng: random.Random,
        timing: AgentTiming,
        session_type: str = "Port",
        kms: KeyUnwrapper | None = None,
    ) -> None:
        self.session_id = session_id
        self.session_type = session_type
        # KMS encryption, as the agent asks for it: shells only, when the instance has a key.
        self.encryption: AgentEncryption | None = None
        if session_type != "Port" and instance.kms_key_id and kms is not None:
            self.encryption = AgentEncryption(
                instance.kms_key_id, kms, session_id, instance.instance_id
            )
        self._cipher: SessionCipher | None = None  # once the challenge was answered
        self.instance = instance
        self.document = document
        self.properties = properties
        self.region = region
        self.token: str | None = None
        self.client_version = ""
        self.open_client_version = ""
        self.mode: str | None = None
        self.terminated = False
        self.closed_reason = ""
        self.reason = ""  # StartSession's Reason (CloudTrail)
        self.websockets_opened = 0
        self.bytes_from_client = 0
        self.bytes_to_client = 0
        self.bad_frames = 0
        self.client_acks_ignored = 0
        self.acks_withheld = 0
        self.reliability = Reliability()
        self._faults = faults
        self._rng = rng
        self._timing = timing
        self._loop = asyncio.get_running_loop()
        self._link: Downlink | None = None
        self._pump = OutputPump(self._emit, faults, self.refresh_flow)
        self._handler: Handler | None = None
        self.exit_code: int | None = None  # a shell's, once it exited
        self._paused = False
        self._handshake_sent_ns = 0
        self._handshake_timer: asyncio.TimerHandle | None = None
        self._release_task: asyncio.Task[None] | None = None

    @property
    def attached(self) -> bool:
        return self._link is not None

    @property
    def handler(self) -> Handler | None:
        return self._handler

    # --- WebSocket attachment -------------------------------------------------------------

    def attach(self, link: Downlink) -> None:
        """A WebSocket passed the token check: start or continue the data channel."""
        old, self._link = self._link, link
        if old is not None:
            old.close(1000, "Bye")
        self.websockets_opened += 1
        for frame in self.reliability.all_unacked(self._loop.time()):
            link.send(frame)
        if self.reliability.next_out_seq == 0:
            self._start_handshake()
        self.refresh_flow()

    def detach(self, link: Downlink) -> None:
        if self._link is link:
            self._link = None
            self.refresh_flow()

    # --- inbound --------------------------------------------------------------------------

    def on_frame(self, frame: bytes) -> None:
        """One binary WebSocket frame from the client. Bad frames are counted and dropped."""
        try:
            if is_plain_ack(frame):  # the hot path: one per output message
                self._on_output_ack(output_ack_seq(frame))
                return
            inbound = parse_input(frame)  # the other hot path: client data
            if inbound is not None:
                self._on_input(inbound)
                return
            message = decode(frame)
        except MalformedMessageError as exc:
            self.bad_frames += 1
            log.debug("session %s: dropped bad frame: %s", self.session_id, exc)
            return
        if message.message_type == MessageType.ACKNOWLEDGE:
            self._on_ack(message)
        elif message.message_type == MessageType.INPUT_STREAM_DATA:
            self._on_input(inbound_from(message))

    def _on_ack(self, message: AgentMessage) -> None:
        try:
            ack = parse_ack(message.payload)
        except MalformedMessageError:
            self.bad_frames += 1
            return
        if ack.message_type == MessageType.OUTPUT_STREAM_DATA:
            self._on_output_ack(ack.sequence_number)

    def _on_output_ack(self, seq: int | None) -> None:
        if seq is None:
            return
        if self._faults.drop_acks_from_client and (
            self._rng.random() < self._faults.drop_acks_from_client
        ):
            self.client_acks_ignored += 1
            return
        self.reliability.acked(seq, self._loop.time())
        if self._paused:
            self.refresh_flow()

    def _on_input(self, message: Inbound) -> None:
        ready = self.reliability.accept(message)
        if ready is None:
            return  # reorder buffer full: no ack, the client resends (§5)
        self._ack(message)
        for item in ready:
            self._deliver(item)

    def _ack(self, message: Inbound) -> None:
        faults = self._faults
        if faults.drop_acks_to_client and self._rng.random() < faults.drop_acks_to_client:
            self.acks_withheld += 1
            return
        frame = encode_ack(message.message_type, message.message_id, message.sequence_number)
        if faults.ack_delay_s > 0:
            self._loop.call_later(faults.ack_delay_s, self._send, frame)
        else:
            self._send(frame)

    def _deliver(self, message: Inbound) -> None:
        payload_type = message.payload_type
        if payload_type == PayloadType.OUTPUT:
            payload = message.payload
            if self._cipher is not None:
                try:
                    payload = self._cipher.decrypt(payload)
                except ProtocolError:
                    self.bad_frames += 1
                    return
            self.bytes_from_client += len(payload)
            if self._handler is not None:
                self._handler.feed(payload)
        elif payload_type == PayloadType.HANDSHAKE_RESPONSE:
            self._on_handshake_response(message.payload)
        elif payload_type == PayloadType.FLAG:
            self._on_flag(message.payload)
        elif payload_type == PayloadType.SIZE and isinstance(self._handler, ShellServer):
            self._handler.resize(message.payload)
        elif payload_type == PayloadType.ENC_CHALLENGE_RESPONSE:
            self._on_challenge_response(message.payload)

    def _on_flag(self, payload: bytes) -> None:
        try:
            value = parse_flag(payload)
        except MalformedMessageError:
            self.bad_frames += 1
            return
        if value == Flag.DISCONNECT_TO_PORT and self._handler is not None:
            self._handler.disconnect()
        elif value == Flag.TERMINATE_SESSION:
            self.end("")

    # --- handshake (§4) -------------------------------------------------------------------

    def _start_handshake(self) -> None:
        self._handshake_sent_ns = time.monotonic_ns()
        properties: dict[str, object] = dict(self.properties)
        if self.session_type != "Port":
            properties = shell_properties(self.properties.get("commands", ""))
        more = [self.encryption.action()] if self.encryption is not None else []
        self._emit(
            PayloadType.HANDSHAKE_REQUEST,
            handshake_request(self.instance.agent_version, properties, self.session_type, more),
        )
        self._handshake_timer = self._loop.call_later(
            self._timing.handshake_timeout_s, self._handshake_timed_out
        )

    def _handshake_timed_out(self) -> None:
        if self.mode is None and not self.terminated:
            self.end(
                "Handshake timed out. Please ensure that you have the latest version "
                "of the session manager plugin."
            )

    def _on_handshake_response(self, payload: bytes) -> None:
        if self.mode is not None:
            return
        try:
            body = json.loads(payload)
            self.client_version = str(body.get("ClientVersion") or "")
        except (ValueError, AttributeError):
            self.bad_frames += 1
            return
        if self.encryption is None:
            self._complete_handshake("")
            return
        failure = self.encryption.finalize(body)
        if failure is not None:
            self.end(failure)
            return
        self._emit(PayloadType.ENC_CHALLENGE_REQUEST, self.encryption.challenge_request())

    def _on_challenge_response(self, payload: bytes) -> None:
        encryption = self.encryption
        if encryption is None or self.mode is not None:
            return
        if not encryption.challenge_answered(payload):
            self.end("Encryption challenge failed: the client's answer did not match.")
            return
        self._cipher = encryption.cipher
        self._complete_handshake(ENCRYPTED_MESSAGE)

    def _complete_handshake(self, customer_message: str) -> None:
        if self._handshake_timer is not None:
            self._handshake_timer.cancel()
        self._handler = self._make_handler()
        elapsed = time.monotonic_ns() - self._handshake_sent_ns
        self._emit(PayloadType.HANDSHAKE_COMPLETE, handshake_complete(elapsed, customer_message))

    def _make_handler(self) -> Handler:
        if self.session_type != "Port":
            self.mode = "shell"
            command = self.properties.get("commands", "")
            return ShellServer(self._pump, command, self._shell_exited, self.session_id)
        host = self.properties.get("host")
        port = int(self.properties["portNumber"])

        def resolve() -> tuple[str, int] | None:
            return self.instance.target_for(host, port)

        if agent_uses_mux(self.properties, self.client_version, self.instance.agent_version):
            self.mode = "mux"
            keepalive = None
            if agent_keepalive(self.client_version):
                keepalive = (self._timing.keepalive_interval_s, self._timing.keepalive_timeout_s)
            return MuxServer(self._pump, resolve, self.end, keepalive, self._faults)
        self.mode = "basic"
        return BasicForwarder(self._pump, resolve)

    # --- outbound -------------------------------------------------------------------------

    def _emit(self, payload_type: int, payload: bytes) -> None:
        if self._cipher is not None and payload_type in _ENCRYPTED_OUTPUT:
            payload = self._cipher.encrypt(payload)
        reliability = self.reliability
        seq = reliability.take_seq()
        frame = encode_output(seq, FLAGS_SYN if seq == 0 else 0, payload_type, payload)
        if payload_type == PayloadType.OUTPUT:
            self.bytes_to_client += len(payload)
        link = self._link
        if link is not None:
            link.send(frame)
            reliability.remember(seq, frame, self._loop.time())
        else:
            reliability.remember(seq, frame, None)

    def _send(self, frame: bytes) -> None:
        if self._link is not None:
            self._link.send(frame)

    def refresh_flow(self) -> None:
        """Stop reading targets while too much output is unacked or queued (§5)."""
        link = self._link
        paused = (
            len(self.reliability.unacked) > UNACKED_PAUSE
            or self._pump.pending_bytes > PUMP_PAUSE_BYTES
            or (link is not None and link.write_blocked)
        )
        if paused != self._paused:
            self._paused = paused
            if self._handler is not None:
                self._handler.set_paused(paused)

    def tick(self, now: float) -> None:
        """The 100 ms scheduler: resend the head if older than the RTO (§5), keepalive."""
        if self._link is not None:
            frame = self.reliability.due_head(now)
            if frame is not None:
                self._link.send(frame)
        if self._handler is not None:
            self._handler.tick(time.monotonic())
        self.refresh_flow()

    # --- the end --------------------------------------------------------------------------

    def _shell_exited(self, status: int) -> None:
        """The shell ended: its status as PT12 after its last output, then, once the client
        has acknowledged everything, channel_closed (§14)."""
        self.exit_code = status
        self._pump.control(PayloadType.EXIT_CODE, f"EXIT_CODE: {status}".encode())
        self._loop.create_task(self._end_when_delivered())

    async def _end_when_delivered(self) -> None:
        deadline = self._loop.time() + SHELL_DRAIN_S
        while self._loop.time() < deadline and not self.terminated:
            if self._pump.empty and not self.reliability.unacked:
                break
            await asyncio.sleep(SHELL_DRAIN_POLL_S)
        self.end("")

    def end(self, output: str) -> None:
        """Service-side end: channel_closed with `output`, close the WebSocket, release."""
        if self.terminated:
            return
        self.terminated = True
        self.closed_reason = output or "terminated"
        link, self._link = self._link, None
        if link is not None:
            link.send(channel_closed_frame(self.session_id, output))
            link.close(1000, "")
        self._release_task = self._loop.create_task(self.release())

    async def release(self) -> None:
        """Close targets and timers; safe to call more than once."""
        if self._handshake_timer is not None:
            self._handshake_timer.cancel()
        await self._pump.close()
        if self._handler is not None:
            await self._handler.close()
        if self._link is not None:
            self._link.close(1001, "Going away")
            self._link = None

    async def wait_released(self) -> None:
        task = self._release_task
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
