"""The AgentMessage codec, pinned to the byte layout of docs/protocol.md §2–§3."""

from __future__ import annotations

import contextlib
import hashlib
import json
import struct
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssmgui.ssm.message import (
    HEADER_SIZE,
    AgentMessage,
    Flag,
    MalformedMessageError,
    MessageIds,
    MessageType,
    PayloadType,
    ack_for,
    ack_sequence,
    decode,
    encode,
    encode_ack,
    encode_stream_frame,
    flag_payload,
    hyphenated_id,
    parse_ack,
    parse_flag,
    parse_frame,
    stream_message,
)

HANDSHAKE_RESPONSE = (
    b'{"ClientVersion":"1.2.677.0","ProcessedClientActions":[{"ActionType":"SessionType",'
    b'"ActionStatus":1,"ActionResult":null,"Error":""}],"Errors":null}'
)


def test_handshake_response_matches_the_documented_layout() -> None:
    message_id = uuid.UUID("0123456789abcdef" + "fedcba9876543210")
    message = AgentMessage(
        message_type=MessageType.INPUT_STREAM_DATA,
        sequence_number=0,
        flags=0,
        message_id=message_id,
        payload_type=PayloadType.HANDSHAKE_RESPONSE,
        payload=HANDSHAKE_RESPONSE,
        created_ms=0x000001A205DC4FCF,
    )
    frame = encode(message)

    assert len(frame) == HEADER_SIZE + len(HANDSHAKE_RESPONSE) == 120 + 147
    assert frame[0:4] == b"\x00\x00\x00\x74"
    assert frame[4:36] == b"input_stream_data" + b" " * 15
    assert frame[36:40] == b"\x00\x00\x00\x01"
    assert frame[40:48] == bytes.fromhex("000001a205dc4fcf")
    assert frame[48:56] == bytes(8)  # sequence number
    assert frame[56:64] == bytes(8)  # flags
    assert frame[64:80] == message_id.bytes[8:16] + message_id.bytes[0:8]
    assert frame[80:112] == hashlib.sha256(HANDSHAKE_RESPONSE).digest()
    assert frame[112:116] == b"\x00\x00\x00\x06"
    assert frame[116:120] == b"\x00\x00\x00\x93"
    assert decode(frame) == message


def test_fast_stream_encoder_agrees_with_the_general_one() -> None:
    frame = encode_stream_frame(MessageType.INPUT_STREAM_DATA, 7, PayloadType.OUTPUT, b"abc")
    message = decode(frame)
    assert (message.message_type, message.sequence_number, message.flags) == (
        "input_stream_data",
        7,
        0,
    )
    assert message.payload == b"abc"
    assert message.message_id.version == 4
    assert encode(message) == frame


def test_payload_is_taken_after_the_header_whatever_payload_length_says() -> None:
    # The plugin ignores PayloadLength (messageparser.go); so do we.
    frame = bytearray(
        encode(stream_message(MessageType.OUTPUT_STREAM_DATA, 1, PayloadType.OUTPUT, b"hello"))
    )
    frame[116:120] = struct.pack(">I", 2)
    assert decode(bytes(frame)).payload == b"hello"


def test_acknowledgement_echoes_type_id_and_sequence() -> None:
    data = stream_message(MessageType.OUTPUT_STREAM_DATA, 0, PayloadType.OUTPUT, b"x")
    ack = ack_for(data)
    frame = encode(ack)
    assert len(frame) == 296  # the plugin's ack frames are 296 bytes long (§3)
    decoded = decode(frame)
    assert (decoded.message_type, decoded.sequence_number, decoded.flags) == ("acknowledge", 0, 3)
    assert decoded.payload_type == 0
    body = json.loads(decoded.payload)
    assert body == {
        "AcknowledgedMessageType": "output_stream_data",
        "AcknowledgedMessageId": str(data.message_id),
        "AcknowledgedMessageSequenceNumber": 0,
        "IsSequentialMessage": True,
    }
    parsed = parse_ack(decoded.payload)
    assert (parsed.message_id, parsed.sequence_number) == (data.message_id, 0)


def test_flags_round_trip() -> None:
    assert flag_payload(Flag.TERMINATE_SESSION) == b"\x00\x00\x00\x02"
    assert parse_flag(b"\x00\x00\x00\x03") == Flag.CONNECT_TO_PORT_ERROR
    with pytest.raises(MalformedMessageError):
        parse_flag(b"\x00")


def _valid_frame(payload: bytes = b"data") -> bytearray:
    return bytearray(
        encode(stream_message(MessageType.OUTPUT_STREAM_DATA, 3, PayloadType.OUTPUT, payload))
    )


@pytest.mark.parametrize(
    ("offset", "value", "why"),
    [
        (0, b"\x00\x00\x00\x00", "header length"),
        (4, b" " * 32, "empty message type"),
        (40, bytes(8), "created date"),
        (120, b"X", "digest"),
    ],
)
def test_frames_the_plugin_rejects_are_rejected(offset: int, value: bytes, why: str) -> None:
    frame = _valid_frame()
    frame[offset : offset + len(value)] = value
    with pytest.raises(MalformedMessageError):
        decode(bytes(frame))


def test_truncated_header_is_rejected() -> None:
    with pytest.raises(MalformedMessageError, match="shorter than the header"):
        decode(bytes(_valid_frame())[:119])


def test_publication_messages_skip_validation() -> None:
    frame = _valid_frame()
    frame[4:36] = b"pause_publication".ljust(32, b" ")
    frame[40:48] = bytes(8)
    assert decode(bytes(frame)).message_type == "pause_publication"


@given(
    kind=st.sampled_from(list(MessageType)),
    seq=st.integers(min_value=0, max_value=2**63 - 1),
    flags=st.integers(min_value=0, max_value=3),
    ptype=st.integers(min_value=0, max_value=12),
    payload=st.binary(max_size=2048),
    created=st.integers(min_value=1, max_value=2**64 - 1),
    raw_id=st.binary(min_size=16, max_size=16),
)
def test_round_trip_any_message(
    kind: MessageType, seq: int, flags: int, ptype: int, payload: bytes, created: int, raw_id: bytes
) -> None:
    message = AgentMessage(kind, seq, flags, uuid.UUID(bytes=raw_id), ptype, payload, created)
    assert decode(encode(message)) == message


@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_decoder(data: bytes) -> None:
    with contextlib.suppress(MalformedMessageError):
        decode(data)


@given(
    payload=st.binary(min_size=1, max_size=1024),
    position=st.integers(min_value=0),
    bit=st.integers(0, 7),
)
def test_any_flipped_payload_bit_fails_the_digest(payload: bytes, position: int, bit: int) -> None:
    frame = _valid_frame(payload)
    frame[HEADER_SIZE + position % len(payload)] ^= 1 << bit
    with pytest.raises(MalformedMessageError, match="digest"):
        decode(bytes(frame))


def test_fast_ack_has_the_same_payload_as_the_general_one() -> None:
    data = stream_message(MessageType.OUTPUT_STREAM_DATA, 1234, PayloadType.OUTPUT, b"x")
    fast = decode(encode_ack(parse_frame(encode(data))))
    slow = ack_for(data)
    assert fast.payload == slow.payload
    assert (fast.message_type, fast.flags, fast.sequence_number) == ("acknowledge", 3, 0)
    assert ack_sequence(fast.payload) == 1234


def test_ack_sequence_falls_back_to_json_for_odd_spacing() -> None:
    assert (
        ack_sequence(
            b'{"AcknowledgedMessageType":"x","AcknowledgedMessageId":'
            b'"00000000-0000-4000-8000-000000000000",'
            b'"AcknowledgedMessageSequenceNumber": 77}'
        )
        == 77
    )


def test_message_ids_are_unique_version_4_uuids() -> None:
    ids = MessageIds()
    seen = {ids.next() for _ in range(10_000)}
    assert len(seen) == 10_000
    sample = uuid.UUID(hyphenated_id(next(iter(seen))))
    assert (sample.version, sample.variant) == (4, uuid.RFC_4122)
