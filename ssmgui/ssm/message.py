"""AgentMessage: the Session Manager data-channel frame (docs/ssm-protocol.md §2 and §3).

One binary WebSocket frame = a 120-byte big-endian header + payload. Two oddities matter:
HeaderLength is 116 (the offset of PayloadLength, not the header size), and the MessageId's
two 8-byte halves are stored swapped.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import struct
import time
import uuid
from dataclasses import dataclass

HEADER_LENGTH = 116
HEADER_SIZE = HEADER_LENGTH + 4
MAX_STREAM_PAYLOAD = (
    1024  # what the plugin and the agent send; MGS limits are unknown (§ open q. 2)
)

# HL, MessageType, SchemaVersion, CreatedDate, SequenceNumber, Flags, MessageId, Digest,
# PayloadType, PayloadLength.
_HEADER = struct.Struct(">I32sIQqQ16s32sII")
assert _HEADER.size == HEADER_SIZE

FLAGS_SYN = 1
FLAGS_ACK = 3  # acks and control messages carry SYN|FIN


class MessageType(enum.StrEnum):
    INPUT_STREAM_DATA = "input_stream_data"
    OUTPUT_STREAM_DATA = "output_stream_data"
    ACKNOWLEDGE = "acknowledge"
    CHANNEL_CLOSED = "channel_closed"
    START_PUBLICATION = "start_publication"
    PAUSE_PUBLICATION = "pause_publication"


class PayloadType(enum.IntEnum):
    NONE = 0
    OUTPUT = 1
    ERROR = 2
    SIZE = 3
    PARAMETER = 4
    HANDSHAKE_REQUEST = 5
    HANDSHAKE_RESPONSE = 6
    HANDSHAKE_COMPLETE = 7
    ENC_CHALLENGE_REQUEST = 8
    ENC_CHALLENGE_RESPONSE = 9
    FLAG = 10
    STDERR = 11
    EXIT_CODE = 12


class Flag(enum.IntEnum):
    """PayloadType FLAG values: a 4-byte big-endian uint32 in a stream message (§3)."""

    DISCONNECT_TO_PORT = 1
    TERMINATE_SESSION = 2
    CONNECT_TO_PORT_ERROR = 3


_UNVALIDATED = frozenset({MessageType.START_PUBLICATION, MessageType.PAUSE_PUBLICATION})


class MalformedMessageError(ValueError):
    """A frame that breaks the wire format: too short, empty type, zero date, bad digest."""


@dataclass(frozen=True, slots=True)
class AgentMessage:
    message_type: str
    sequence_number: int
    flags: int
    message_id: uuid.UUID
    payload_type: int
    payload: bytes
    created_ms: int
    schema_version: int = 1


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def swap_uuid_halves(raw: bytes) -> bytes:
    """RFC 4122 bytes → wire order (and back: the swap is its own inverse)."""
    return raw[8:16] + raw[0:8]


def encode(message: AgentMessage) -> bytes:
    payload = message.payload
    header = _HEADER.pack(
        HEADER_LENGTH,
        message.message_type.encode("ascii").ljust(32, b" "),
        message.schema_version,
        message.created_ms,
        message.sequence_number,
        message.flags,
        swap_uuid_halves(message.message_id.bytes),
        hashlib.sha256(payload).digest(),
        message.payload_type,
        len(payload),
    )
    return header + payload


def decode(frame: bytes) -> AgentMessage:
    """Parse one frame the way the plugin does (`messageparser.go`), plus a length check.

    Like the plugin, the payload is everything after HeaderLength + 4 (PayloadLength is not
    trusted), and the digest is checked only when PayloadLength is not zero.
    """
    if len(frame) < HEADER_SIZE:
        raise MalformedMessageError(f"frame of {len(frame)} bytes is shorter than the header")
    (hl, mtype, schema, created, seq, flags, mid, digest, ptype, plen) = _HEADER.unpack_from(frame)
    message_type = mtype.strip(b" \x00").decode("ascii", errors="replace")
    if hl == 0 or hl + 4 > len(frame):
        raise MalformedMessageError(f"bad header length {hl}")
    payload = bytes(frame[hl + 4 :])
    if message_type not in _UNVALIDATED:
        _validate(message_type, created, plen, payload, digest)
    return AgentMessage(
        message_type=message_type,
        sequence_number=seq,
        flags=flags,
        message_id=uuid.UUID(bytes=swap_uuid_halves(mid)),
        payload_type=ptype,
        payload=payload,
        created_ms=created,
        schema_version=schema,
    )


def _validate(message_type: str, created: int, plen: int, payload: bytes, digest: bytes) -> None:
    if not message_type:
        raise MalformedMessageError("empty message type")
    if created == 0:
        raise MalformedMessageError("created date is zero")
    if plen != 0 and hashlib.sha256(payload).digest() != digest:
        raise MalformedMessageError("payload digest mismatch")


def stream_message(
    message_type: MessageType,
    sequence_number: int,
    payload_type: PayloadType,
    payload: bytes,
    flags: int = 0,
) -> AgentMessage:
    return AgentMessage(
        message_type=message_type,
        sequence_number=sequence_number,
        flags=flags,
        message_id=uuid.uuid4(),
        payload_type=payload_type,
        payload=payload,
        created_ms=now_ms(),
    )


def flag_payload(flag: Flag) -> bytes:
    return struct.pack(">I", flag)


def parse_flag(payload: bytes) -> int:
    if len(payload) < 4:
        raise MalformedMessageError("flag payload shorter than 4 bytes")
    value: int = struct.unpack_from(">I", payload)[0]
    return value


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    message_type: str
    message_id: uuid.UUID
    sequence_number: int


def ack_for(message: AgentMessage) -> AgentMessage:
    body = json.dumps(
        {
            "AcknowledgedMessageType": message.message_type,
            "AcknowledgedMessageId": str(message.message_id),
            "AcknowledgedMessageSequenceNumber": message.sequence_number,
            "IsSequentialMessage": True,
        },
        separators=(",", ":"),
    ).encode()
    return AgentMessage(
        message_type=MessageType.ACKNOWLEDGE,
        sequence_number=0,
        flags=FLAGS_ACK,
        message_id=uuid.uuid4(),
        payload_type=PayloadType.NONE,
        payload=body,
        created_ms=now_ms(),
    )


def parse_ack(payload: bytes) -> Acknowledgement:
    try:
        body = json.loads(payload)
        return Acknowledgement(
            message_type=str(body["AcknowledgedMessageType"]),
            message_id=uuid.UUID(str(body["AcknowledgedMessageId"])),
            sequence_number=int(body["AcknowledgedMessageSequenceNumber"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedMessageError(f"bad acknowledge payload: {exc}") from exc


def control_message(message_type: MessageType, body: dict[str, object]) -> AgentMessage:
    """channel_closed and friends: seq 0, flags 3, PayloadType 0, JSON body."""
    return AgentMessage(
        message_type=message_type,
        sequence_number=0,
        flags=FLAGS_ACK,
        message_id=uuid.uuid4(),
        payload_type=PayloadType.NONE,
        payload=json.dumps(body, separators=(",", ":")).encode(),
        created_ms=now_ms(),
    )


_PADDED_TYPES = {t: t.value.encode("ascii").ljust(32, b" ") for t in MessageType}


def random_message_id() -> bytes:
    """16 random bytes shaped as a version-4 UUID, already in wire (swapped) order.

    The hot path skips uuid.UUID objects: only uniqueness matters to the peer, and acks are
    matched by sequence number.
    """
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return swap_uuid_halves(bytes(raw))


def encode_stream_frame(
    message_type: MessageType,
    sequence_number: int,
    payload_type: int,
    payload: bytes,
    flags: int = 0,
) -> bytes:
    """encode(stream_message(...)) without the intermediate objects: one per KiB sent."""
    header = _HEADER.pack(
        HEADER_LENGTH,
        _PADDED_TYPES[message_type],
        1,
        now_ms(),
        sequence_number,
        flags,
        random_message_id(),
        hashlib.sha256(payload).digest(),
        payload_type,
        len(payload),
    )
    return header + payload
