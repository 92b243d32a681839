"""smux protocol v1 framing (xtaci/smux), as spoken inside Port-session payloads.

See docs/protocol.md §7.

An 8-byte header (ver, cmd, little-endian length and stream id) then `length` bytes. The
smux byte stream is not aligned with SSM messages, so readers are incremental.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

SMUX_VERSION = 1
MAX_FRAME_DATA = 32768
FIRST_CLIENT_STREAM_ID = 3  # the plugin's xtaci client: odd ids from 3

_HEADER = struct.Struct("<BBHI")
HEADER_SIZE = _HEADER.size


class Cmd(enum.IntEnum):
    SYN = 0
    FIN = 1
    PSH = 2
    NOP = 3


class SmuxProtocolError(ValueError):
    """Wrong version or unknown command in the smux stream."""


@dataclass(frozen=True, slots=True)
class Frame:
    cmd: Cmd
    stream_id: int
    data: bytes = b""


def encode_frame(cmd: Cmd, stream_id: int, data: bytes = b"") -> bytes:
    return _HEADER.pack(SMUX_VERSION, cmd, len(data), stream_id) + data


def encode_data(stream_id: int, data: bytes) -> bytes:
    """PSH frames for `data`, split at the 32 KiB frame limit."""
    if len(data) <= MAX_FRAME_DATA:
        return encode_frame(Cmd.PSH, stream_id, data)
    parts = []
    for start in range(0, len(data), MAX_FRAME_DATA):
        parts.append(encode_frame(Cmd.PSH, stream_id, data[start : start + MAX_FRAME_DATA]))
    return b"".join(parts)


class FrameReader:
    """Turns arbitrary slices of the smux byte stream into whole frames."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames: list[Frame] = []
        buf = self._buffer
        offset = 0
        while len(buf) - offset >= HEADER_SIZE:
            version, cmd, length, stream_id = _HEADER.unpack_from(buf, offset)
            if version != SMUX_VERSION:
                raise SmuxProtocolError(f"smux version {version}, expected {SMUX_VERSION}")
            if cmd not in _COMMANDS:
                raise SmuxProtocolError(f"unknown smux command {cmd}")
            end = offset + HEADER_SIZE + length
            if end > len(buf):
                break
            frames.append(Frame(_COMMANDS[cmd], stream_id, bytes(buf[offset + HEADER_SIZE : end])))
            offset = end
        if offset:
            del buf[:offset]
        return frames


_COMMANDS = {int(c): c for c in Cmd}
