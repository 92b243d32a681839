"""Fast encoders for the frames the fake sends most: agent output and acks.

They produce exactly the layout of `ssmgui.ssm.message.encode` (docs/protocol.md §2) but
with the constant header prefix precomputed and a random MessageId from os.urandom, because
per-message Python overhead bounds the fake's throughput. Tests check them against the
shared decoder.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import time
import uuid
from typing import NamedTuple

from ssmgui.ssm.message import (
    FLAGS_ACK,
    HEADER_LENGTH,
    AgentMessage,
    MalformedMessageError,
    MessageType,
    PayloadType,
)

_PREFIX_OUTPUT = (
    struct.pack(">I", HEADER_LENGTH)
    + MessageType.OUTPUT_STREAM_DATA.value.encode().ljust(32, b" ")
    + struct.pack(">I", 1)
)
_PREFIX_ACK = (
    struct.pack(">I", HEADER_LENGTH)
    + MessageType.ACKNOWLEDGE.value.encode().ljust(32, b" ")
    + struct.pack(">I", 1)
)
# CreatedDate, SequenceNumber, Flags, MessageId, Digest, PayloadType, PayloadLength.
_TAIL = struct.Struct(">QqQ16s32sII")
_sha256 = hashlib.sha256
_urandom = os.urandom
_time_ns = time.time_ns


def encode_output(sequence_number: int, flags: int, payload_type: int, payload: bytes) -> bytes:
    """An `output_stream_data` frame with a fresh MessageId."""
    tail = _TAIL.pack(
        _time_ns() // 1_000_000,
        sequence_number,
        flags,
        _urandom(16),
        _sha256(payload).digest(),
        payload_type,
        len(payload),
    )
    return b"".join((_PREFIX_OUTPUT, tail, payload))


def encode_ack(message_type: str, message_id: uuid.UUID | str, sequence_number: int) -> bytes:
    """An `acknowledge` frame (§3) for one received stream message."""
    body = (
        f'{{"AcknowledgedMessageType":"{message_type}","AcknowledgedMessageId":"{message_id}",'
        f'"AcknowledgedMessageSequenceNumber":{sequence_number},"IsSequentialMessage":true}}'
    ).encode()
    tail = _TAIL.pack(
        _time_ns() // 1_000_000,
        0,
        FLAGS_ACK,
        _urandom(16),
        _sha256(body).digest(),
        PayloadType.NONE,
        len(body),
    )
    return b"".join((_PREFIX_ACK, tail, body))


_ACK_TYPE_FIELD = _PREFIX_ACK[4:36]
_ACK_SEQ = re.compile(rb'"AcknowledgedMessageSequenceNumber"\s*:\s*(\d+)')
_ACK_OF_OUTPUT = re.compile(rb'"AcknowledgedMessageType"\s*:\s*"output_stream_data"')


def is_plain_ack(frame: bytes) -> bool:
    """True for a well-laid-out acknowledge frame that `output_ack_seq` can read directly."""
    return frame[4:36] == _ACK_TYPE_FIELD and frame[:4] == _PREFIX_ACK[:4]


def output_ack_seq(frame: bytes) -> int | None:
    """The acked sequence number of an ack of our output, None for other acks.

    The fast path for the commonest inbound frame (one per output message): no UUID or
    JSON parsing. Raises MalformedMessageError like the shared decoder would (§2 checks).
    """
    payload = frame[HEADER_LENGTH + 4 :]
    if len(frame) < HEADER_LENGTH + 4 or frame[40:48] == b"\0" * 8:
        raise MalformedMessageError("short ack frame or zero created date")
    if _sha256(payload).digest() != frame[80:112]:
        raise MalformedMessageError("ack payload digest mismatch")
    if not _ACK_OF_OUTPUT.search(payload):
        return None
    match = _ACK_SEQ.search(payload)
    if match is None:
        raise MalformedMessageError("ack without a sequence number")
    return int(match[1])


class Inbound(NamedTuple):
    """A client stream message as the agent needs it; `message_id` is the hyphenated text
    an ack carries, so no uuid.UUID is built on the hot path."""

    message_type: str
    sequence_number: int
    payload_type: int
    payload: bytes
    message_id: str


_INPUT_TYPE_FIELD = MessageType.INPUT_STREAM_DATA.value.encode().ljust(32, b" ")
_INPUT_HEAD = struct.Struct(">Q q 8x 16s 32s I")  # CreatedDate, Seq, (Flags), Id, Digest, PT


def parse_input(frame: bytes) -> Inbound | None:
    """Fast parse of a space-padded `input_stream_data` frame; None for anything else.

    Applies the shared decoder's checks (§2): header length, created date, digest when the
    payload is not empty; raises MalformedMessageError.
    """
    if frame[4:36] != _INPUT_TYPE_FIELD or frame[:4] != _PREFIX_OUTPUT[:4]:
        return None
    if len(frame) < HEADER_LENGTH + 4:
        raise MalformedMessageError("frame shorter than the header")
    created, seq, raw_id, digest, payload_type = _INPUT_HEAD.unpack_from(frame, 40)
    payload = frame[HEADER_LENGTH + 4 :]
    if created == 0:
        raise MalformedMessageError("created date is zero")
    if payload and _sha256(payload).digest() != digest:
        raise MalformedMessageError("payload digest mismatch")
    h = (raw_id[8:16] + raw_id[0:8]).hex()
    message_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return Inbound(MessageType.INPUT_STREAM_DATA, seq, payload_type, payload, message_id)


def inbound_from(message: AgentMessage) -> Inbound:
    return Inbound(
        message.message_type,
        message.sequence_number,
        message.payload_type,
        message.payload,
        str(message.message_id),
    )
