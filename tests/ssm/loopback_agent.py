"""A scripted data-channel peer on 127.0.0.1 for DataChannel's unit tests.

`LoopbackAgent` speaks as the service and the agent together over websockets' asyncio
server: it reads OpenDataChannel, sends the §4 handshake (docs/protocol.md), acks every
input message unless told to withhold acks, answers the TerminateSession flag with
channel_closed, and sends output, flags, garbage or close frames when the test says so.
It keeps everything it received for the test to inspect. `Control` is the control plane
(ResumeSession, TerminateSession, signing) answering from a script.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from ssmgui.demo.channel.payloads import channel_closed_frame
from ssmgui.ssm.channel import StreamEndpoint
from ssmgui.ssm.dial import DIRECT, Route
from ssmgui.ssm.message import (
    Flag,
    Frame,
    MessageType,
    PayloadType,
    ack_sequence,
    encode_ack,
    encode_stream_frame,
    flag_payload,
    parse_flag,
    parse_frame,
)

SESSION_ID = "tester-0123456789abcdef0"
PORT_PROPERTIES = {"portNumber": "80", "type": "LocalPortForwarding"}


@dataclass
class LoopbackAgent:
    agent_version: str = "3.3.1142.0"
    session_type: str = "Port"
    send_handshake: bool = True
    withhold_acks: bool = False
    answer_terminate: bool = True
    refuse_open: tuple[int, str] | None = None  # close code and reason instead of a session
    opens: list[dict[str, Any]] = field(default_factory=list)
    inputs: list[Frame] = field(default_factory=list)  # every copy, in arrival order
    links_of_inputs: list[int] = field(default_factory=list)  # which connection, from 0
    acks: list[int] = field(default_factory=list)  # sequence numbers the client acked
    connections: list[ServerConnection] = field(default_factory=list)
    next_seq: int = 0
    _server: Server | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> LoopbackAgent:
        self._server = await serve(self._handle, "127.0.0.1", 0, ping_interval=None)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def host(self) -> str:
        assert self._server is not None
        return f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def endpoint(self, token: str = "token-1") -> StreamEndpoint:
        url = f"ws://{self.host}/v1/data-channel/{SESSION_ID}?role=publish_subscribe"
        return StreamEndpoint(SESSION_ID, token, url)

    # --- what the test inspects -----------------------------------------------------------

    async def until(self, condition: Callable[[], bool], seconds: float = 3.0) -> None:
        async with asyncio.timeout(seconds):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    def input_sequences(self, payload_type: int = PayloadType.OUTPUT) -> list[int]:
        return [m.sequence_number for m in self.inputs if m.payload_type == payload_type]

    def sequences_on(self, link: int) -> list[int]:
        """Sequence numbers of the output messages received on connection `link`."""
        return [
            m.sequence_number
            for m, on in zip(self.inputs, self.links_of_inputs, strict=True)
            if on == link and m.payload_type == PayloadType.OUTPUT
        ]

    def flags(self) -> list[int]:
        return [parse_flag(m.payload) for m in self.inputs if m.payload_type == PayloadType.FLAG]

    # --- what the test makes it do --------------------------------------------------------

    async def send_output(
        self, payload: bytes, payload_type: int = PayloadType.OUTPUT, seq: int | None = None
    ) -> int:
        """Send one output message (the next sequence number unless `seq` is given)."""
        if seq is None:
            seq, self.next_seq = self.next_seq, self.next_seq + 1
        frame = encode_stream_frame(MessageType.OUTPUT_STREAM_DATA, seq, payload_type, payload)
        await self.send_raw(frame)
        return seq

    async def send_raw(self, data: bytes) -> None:
        await self.connections[-1].send(data)

    async def recycle(self, code: int = 1000, reason: str = "Bye") -> None:
        await self.connections[-1].close(code, reason)

    def drop(self) -> None:
        self.connections[-1].transport.abort()

    async def end_session(self, output: str) -> None:
        await self.send_raw(channel_closed_frame(SESSION_ID, output))

    # --- the peer -------------------------------------------------------------------------

    async def _handle(self, connection: ServerConnection) -> None:
        self.connections.append(connection)
        try:
            self.opens.append(json.loads(await connection.recv()))
            self._changed.set()
            if self.refuse_open is not None:
                await connection.close(*self.refuse_open)
                return
            if self.send_handshake and self.next_seq == 0:
                await self._send_handshake_request()
            async for data in connection:
                assert isinstance(data, bytes)
                await self._on_frame(parse_frame(data), len(self.connections) - 1)
                self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            self._changed.set()

    async def _send_handshake_request(self) -> None:
        action = {
            "ActionType": "SessionType",
            "ActionParameters": {"SessionType": self.session_type, "Properties": PORT_PROPERTIES},
        }
        body = {"AgentVersion": self.agent_version, "RequestedClientActions": [action]}
        await self.send_output(json.dumps(body).encode(), PayloadType.HANDSHAKE_REQUEST)

    async def _on_frame(self, message: Frame, link: int) -> None:
        if message.message_type == MessageType.ACKNOWLEDGE:
            self.acks.append(ack_sequence(message.payload))
            return
        self.inputs.append(message)
        self.links_of_inputs.append(link)
        if not self.withhold_acks:
            await self.send_raw(encode_ack(message))
        if message.payload_type == PayloadType.HANDSHAKE_RESPONSE:
            complete = {"HandshakeTimeToComplete": 1000, "CustomerMessage": "hello"}
            await self.send_output(json.dumps(complete).encode(), PayloadType.HANDSHAKE_COMPLETE)
        elif message.payload == flag_payload(Flag.TERMINATE_SESSION) and self.answer_terminate:
            await self.end_session("")


@dataclass
class Control:
    """SessionControl from a script: each resume pops the next answer (a token, or an
    exception to raise); with none left it answers a fresh token. While `resume_gate` is
    set and not yet open, resume waits for it."""

    agent: LoopbackAgent
    resume_gate: asyncio.Event | None = None
    resume_answers: list[str | BaseException] = field(default_factory=list)
    resumes: list[str] = field(default_factory=list)
    terminations: list[str] = field(default_factory=list)
    signed: list[str] = field(default_factory=list)
    routed: list[str] = field(default_factory=list)

    async def resume(self, session_id: str) -> StreamEndpoint:
        self.resumes.append(session_id)
        if self.resume_gate is not None:
            await self.resume_gate.wait()
        answer = (
            self.resume_answers.pop(0) if self.resume_answers else f"token-{len(self.resumes) + 1}"
        )
        if isinstance(answer, BaseException):
            raise answer
        return self.agent.endpoint(answer)

    async def terminate(self, session_id: str) -> None:
        self.terminations.append(session_id)

    async def sign(self, url: str) -> Mapping[str, str]:
        self.signed.append(url)
        return {"Authorization": "AWS4-HMAC-SHA256 Credential=test"}

    async def route(self, url: str) -> Route:
        self.routed.append(url)
        return DIRECT
