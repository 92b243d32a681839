"""A minimal raw data-channel client for testing the fake on its own.

Deliberately independent of ssmgui.ssm.channel: it speaks the wire format directly with
the shared codec (ssmgui.ssm.message) and websockets' asyncio client.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import websockets
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from websockets.asyncio.client import ClientConnection

from ssmgui.demo.world import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
from ssmgui.ssm.message import (
    AgentMessage,
    MessageType,
    PayloadType,
    ack_for,
    decode,
    encode,
    stream_message,
)


def signed_headers(
    url: str, key: str = DEMO_ACCESS_KEY, secret: str = DEMO_SECRET_KEY, region: str = "eu-west-1"
) -> dict[str, str]:
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(key, secret), "ssmmessages", region).add_auth(request)
    return {name: str(request.headers[name]) for name in ("Authorization", "X-Amz-Date")}


class RawClient:
    """One WebSocket to the fake with helpers for the handshake (docs/protocol.md §4) and acks."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.out_seq = 0

    @classmethod
    async def connect(
        cls,
        start: dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        client_version: str = "1.2.764.0",
        token: str | None = None,
    ) -> RawClient:
        url = start["StreamUrl"]
        extra = signed_headers(url) if headers is None else headers
        ws = await websockets.connect(url, additional_headers=extra, max_size=None)
        open_channel = {
            "MessageSchemaVersion": "1.0",
            "RequestId": str(uuid.uuid4()),
            "TokenValue": start["TokenValue"] if token is None else token,
            "ClientId": str(uuid.uuid4()),
            "ClientVersion": client_version,
        }
        await ws.send(json.dumps(open_channel))
        return cls(ws)

    async def recv(self, timeout: float = 5.0) -> AgentMessage:
        frame = await asyncio.wait_for(self.ws.recv(), timeout)
        assert isinstance(frame, bytes)
        return decode(frame)

    async def recv_stream(self, timeout: float = 5.0) -> AgentMessage:
        """The next output_stream_data message, skipping acks."""
        while True:
            message = await self.recv(timeout)
            if message.message_type == MessageType.OUTPUT_STREAM_DATA:
                return message

    async def ack(self, message: AgentMessage) -> None:
        await self.ws.send(encode(ack_for(message)))

    async def send_input(
        self, payload_type: PayloadType, payload: bytes, seq: int | None = None
    ) -> AgentMessage:
        if seq is None:
            seq = self.out_seq
            self.out_seq += 1
        message = stream_message(MessageType.INPUT_STREAM_DATA, seq, payload_type, payload)
        await self.ws.send(encode(message))
        return message

    async def handshake(
        self, client_version: str = "1.2.764.0"
    ) -> tuple[AgentMessage, AgentMessage]:
        """§4 from the client side; returns (HandshakeRequest, HandshakeComplete)."""
        request = await self.recv_stream()
        await self.ack(request)
        response = {
            "ClientVersion": client_version,
            "ProcessedClientActions": [
                {"ActionType": "SessionType", "ActionStatus": 1, "ActionResult": None, "Error": ""}
            ],
            "Errors": None,
        }
        await self.send_input(PayloadType.HANDSHAKE_RESPONSE, json.dumps(response).encode())
        complete = await self.recv_stream()
        await self.ack(complete)
        return request, complete

    async def collect(self, size: int, timeout: float = 10.0) -> bytes:
        """Acked PT1 payload bytes until `size` bytes arrived (in sequence order)."""
        data = bytearray()
        expected: int | None = None
        while len(data) < size:
            message = await self.recv_stream(timeout)
            await self.ack(message)
            if expected is not None and message.sequence_number < expected:
                continue  # a resend we already have
            expected = message.sequence_number + 1
            if message.payload_type == PayloadType.OUTPUT:
                data += message.payload
        return bytes(data)

    async def close(self) -> None:
        await self.ws.close()
