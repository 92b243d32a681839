"""AgentMessage: the Session Manager data-channel frame (docs/protocol.md §2 and §3).

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
from typing import NamedTuple

HEADER_LENGTH = 116
HEADER_SIZE = HEADER_LENGTH + 4
MAX_STREAM_PAYLOAD = (
    1024  # what the plugin and agent send; MGS's limit: docs/protocol.md open question 2
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


_PADDED_TYPES = {t: t.value.encode("ascii").ljust(32, b" ") for t in MessageType}
_TYPE_NAMES = {padded: str(t) for t, padded in _PADDED_TYPES.items()}


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


class Frame(NamedTuple):
    """A parsed frame for the hot path: the message id stays in wire order, undecoded."""

    message_type: str
    sequence_number: int
    flags: int
    wire_id: bytes
    payload_type: int
    payload: bytes
    created_ms: int
    schema_version: int


def parse_frame(frame: bytes) -> Frame:
    """Parse one frame the way the plugin does (`messageparser.go`), plus a length check.

    Like the plugin, the payload is everything after HeaderLength + 4 (PayloadLength is not
    trusted), and the digest is checked only when PayloadLength is not zero.
    """
    if len(frame) < HEADER_SIZE:
        raise MalformedMessageError(f"frame of {len(frame)} bytes is shorter than the header")
    (hl, mtype, schema, created, seq, flags, mid, digest, ptype, plen) = _HEADER.unpack_from(frame)
    message_type = _TYPE_NAMES.get(mtype) or mtype.strip(b" \x00").decode("ascii", "replace")
    if hl == 0 or hl + 4 > len(frame):
        raise MalformedMessageError(f"bad header length {hl}")
    payload = frame[hl + 4 :]
    if message_type not in _UNVALIDATED:
        _validate(message_type, created, plen, payload, digest)
    return Frame(message_type, seq, flags, mid, ptype, payload, created, schema)


def decode(frame: bytes) -> AgentMessage:
    parsed = parse_frame(frame)
    return AgentMessage(
        message_type=parsed.message_type,
        sequence_number=parsed.sequence_number,
        flags=parsed.flags,
        message_id=uuid.UUID(bytes=swap_uuid_halves(parsed.wire_id)),
        payload_type=parsed.payload_type,
        payload=bytes(parsed.payload),
        created_ms=parsed.created_ms,
        schema_version=parsed.schema_version,
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


_SEQUENCE_KEY = b'"AcknowledgedMessageSequenceNumber":'


def ack_sequence(payload: bytes) -> int:
    """The acknowledged sequence number, read without a JSON parse (one ack per KiB)."""
    start = payload.find(_SEQUENCE_KEY)
    if start >= 0:
        start += len(_SEQUENCE_KEY)
        end = start
        while end < len(payload) and 48 <= payload[end] <= 57:
            end += 1
        if end > start:
            return int(payload[start:end])
    return parse_ack(payload).sequence_number


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


class MessageIds:
    """Unique version-4-shaped message ids, already in wire (swapped) order.

    A random 8-byte half per process and a counter in the other: unique without a call to
    os.urandom per KiB sent. Peers only need uniqueness; acks match by sequence number.
    """

    def __init__(self) -> None:
        prefix = bytearray(os.urandom(8))
        prefix[6] = (prefix[6] & 0x0F) | 0x40  # version 4
        self._time_half = bytes(prefix)
        self._counter = int.from_bytes(os.urandom(8), "big") & 0x3FFF_FFFF_FFFF_FFFF
        self._counter |= 0x8000_0000_0000_0000  # RFC 4122 variant

    def next(self) -> bytes:
        self._counter = 0x8000_0000_0000_0000 | ((self._counter + 1) & 0x3FFF_FFFF_FFFF_FFFF)
        # Wire order puts RFC bytes [8:16] first.
        return self._counter.to_bytes(8, "big") + self._time_half


_IDS = MessageIds()


def random_message_id() -> bytes:
    return _IDS.next()


def hyphenated_id(wire_id: bytes) -> str:
    """The UUID text of a wire-order id, without building a uuid.UUID."""
    h = swap_uuid_halves(wire_id).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_ACK_TEMPLATE = (
    '{"AcknowledgedMessageType":"%s","AcknowledgedMessageId":"%s",'
    '"AcknowledgedMessageSequenceNumber":%d,"IsSequentialMessage":true}'
)


def encode_ack(frame: Frame) -> bytes:
    """encode(ack_for(decode(...))) for the hot path: byte-identical JSON to ack_for."""
    payload = (
        _ACK_TEMPLATE % (frame.message_type, hyphenated_id(frame.wire_id), frame.sequence_number)
    ).encode()
    return (
        _HEADER.pack(
            HEADER_LENGTH,
            _PADDED_TYPES[MessageType.ACKNOWLEDGE],
            1,
            now_ms(),
            0,
            FLAGS_ACK,
            random_message_id(),
            hashlib.sha256(payload).digest(),
            PayloadType.NONE,
            len(payload),
        )
        + payload
    )


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
