"""Fast encoders for the frames the fake sends most: agent output and acks.

They produce exactly the layout of `ssmgui.ssm.message.encode` (§2) but with the constant
header prefix precomputed and a random MessageId from os.urandom, because per-message
Python overhead bounds the fake's throughput. Tests check them against the shared decoder.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import time
import uuid

from ssmgui.ssm.message import (
    FLAGS_ACK,
    HEADER_LENGTH,
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


def encode_ack(message_type: str, message_id: uuid.UUID, sequence_number: int) -> bytes:
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
