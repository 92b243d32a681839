"""Fast encoders for the frames the fake sends most: agent output and acks.

They produce exactly the layout of `ssmgui.ssm.message.encode` (§2) but with the constant
header prefix precomputed and a random MessageId from os.urandom, because per-message
Python overhead bounds the fake's throughput. Tests check them against the shared decoder.
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
import uuid

from ssmgui.ssm.message import FLAGS_ACK, HEADER_LENGTH, MessageType, PayloadType

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
