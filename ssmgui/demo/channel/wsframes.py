"""A lean WebSocket frame reader for the server side after the upgrade (RFC 6455 §5).

websockets' sans-I/O parser costs several microseconds per frame in Python; at one frame
per 1 KiB message (plus one ack per output message) that bounds the fake's throughput, so
the data phase parses frames here. Client frames are masked; unmasking uses websockets'
C speedup when available.
"""

from __future__ import annotations

import struct

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - pure-Python fallback
    from websockets.utils import apply_mask

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_U16 = struct.Struct(">H")
_U64 = struct.Struct(">Q")


class FrameError(ValueError):
    """The peer broke RFC 6455 framing (close with 1002)."""


def server_frame(opcode: int, payload: bytes) -> bytes:
    """An unmasked frame with FIN set."""
    length = len(payload)
    first = 0x80 | opcode
    if length < 126:
        return bytes((first, length)) + payload
    if length < 65536:
        return bytes((first, 126)) + _U16.pack(length) + payload
    return bytes((first, 127)) + _U64.pack(length) + payload


def binary_header(length: int) -> bytes:
    """The header of an unmasked binary frame of `length` bytes (the payload follows)."""
    if length < 126:
        return bytes((0x82, length))
    if length < 65536:
        return bytes((0x82, 126)) + _U16.pack(length)
    return bytes((0x82, 127)) + _U64.pack(length)


class FrameReader:
    """Feed bytes, get whole messages as (opcode, payload); fragments are reassembled."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._fragments: list[bytes] = []
        self._fragment_opcode = 0

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        buf = self._buffer
        buf += data
        out: list[tuple[int, bytes]] = []
        offset = 0
        size = len(buf)
        while size - offset >= 2:
            first, second = buf[offset], buf[offset + 1]
            length = second & 0x7F
            head = 2
            if length == 126:
                if size - offset < 4:
                    break
                length = _U16.unpack_from(buf, offset + 2)[0]
                head = 4
            elif length == 127:
                if size - offset < 10:
                    break
                length = _U64.unpack_from(buf, offset + 2)[0]
                head = 10
            if not second & 0x80:
                raise FrameError("client frames must be masked")
            end = offset + head + 4 + length
            if end > size:
                break
            mask = bytes(buf[offset + head : offset + head + 4])
            payload = apply_mask(buf[offset + head + 4 : end], mask)
            offset = end
            self._collect(first, payload, out)
        if offset:
            del buf[:offset]
        return out

    def _collect(self, first: int, payload: bytes, out: list[tuple[int, bytes]]) -> None:
        opcode = first & 0x0F
        fin = first & 0x80
        if opcode >= OP_CLOSE:
            out.append((opcode, payload))
        elif opcode == OP_CONT:
            if not self._fragments:
                raise FrameError("unexpected continuation frame")
            self._fragments.append(payload)
            if fin:
                out.append((self._fragment_opcode, b"".join(self._fragments)))
                self._fragments = []
        elif fin:
            out.append((opcode, payload))
        else:
            self._fragment_opcode = opcode
            self._fragments = [payload]
