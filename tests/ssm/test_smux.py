"""smux v1 framing (docs/protocol.md §7): little-endian header, parsing across message cuts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssmgui.ssm.smux import (
    MAX_FRAME_DATA,
    Cmd,
    Frame,
    FrameReader,
    SmuxProtocolError,
    encode_data,
    encode_frame,
)


def test_header_layout() -> None:
    assert encode_frame(Cmd.PSH, 3, b"hi") == b"\x01\x02\x02\x00\x03\x00\x00\x00hi"
    assert encode_frame(Cmd.SYN, 5) == b"\x01\x00\x00\x00\x05\x00\x00\x00"


def test_large_data_is_split_at_the_frame_limit() -> None:
    data = bytes(range(256)) * 300  # 76,800 bytes
    frames = FrameReader().feed(encode_data(7, data))
    assert [len(f.data) for f in frames] == [
        MAX_FRAME_DATA,
        MAX_FRAME_DATA,
        76800 - 2 * MAX_FRAME_DATA,
    ]
    assert b"".join(f.data for f in frames) == data


def test_wrong_version_and_unknown_command_are_errors() -> None:
    with pytest.raises(SmuxProtocolError, match="version"):
        FrameReader().feed(b"\x02\x00\x00\x00\x03\x00\x00\x00")
    with pytest.raises(SmuxProtocolError, match="command"):
        FrameReader().feed(b"\x01\x04\x00\x00\x03\x00\x00\x00")


@given(
    frames=st.lists(
        st.tuples(st.sampled_from(list(Cmd)), st.integers(1, 2**32 - 1), st.binary(max_size=3000)),
        max_size=12,
    ),
    cuts=st.lists(st.integers(1, 1024), max_size=40),
)
def test_frames_survive_any_cutting_of_the_byte_stream(
    frames: list[tuple[Cmd, int, bytes]], cuts: list[int]
) -> None:
    stream = b"".join(encode_frame(cmd, sid, data) for cmd, sid, data in frames)
    reader = FrameReader()
    parsed: list[Frame] = []
    offset = 0
    for cut in cuts:
        parsed += reader.feed(stream[offset : offset + cut])
        offset += cut
    parsed += reader.feed(stream[offset:])
    assert parsed == [Frame(cmd, sid, data) for cmd, sid, data in frames]
