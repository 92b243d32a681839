"""MD4 for the NT password hash in a test SAM file (OpenSSL 3 no longer offers MD4).

Test-only: it builds FreeRDP's NTLM user database; nothing in the product hashes with MD4.
"""

from __future__ import annotations

import struct

_MASK = 0xFFFFFFFF


def _rotate(value: int, shift: int) -> int:
    value &= _MASK
    return ((value << shift) | (value >> (32 - shift))) & _MASK


def md4(data: bytes) -> bytes:
    """RFC 1320 MD4 of `data`."""
    message = data + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + struct.pack("<Q", len(data) * 8)
    state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    for offset in range(0, len(message), 64):
        x = struct.unpack("<16I", message[offset : offset + 64])
        a, b, c, d = state
        for i in (0, 4, 8, 12):
            a = _rotate(a + ((b & c) | (~b & d)) + x[i], 3)
            d = _rotate(d + ((a & b) | (~a & c)) + x[i + 1], 7)
            c = _rotate(c + ((d & a) | (~d & b)) + x[i + 2], 11)
            b = _rotate(b + ((c & d) | (~c & a)) + x[i + 3], 19)
        for i in (0, 1, 2, 3):
            a = _rotate(a + ((b & c) | (b & d) | (c & d)) + x[i] + 0x5A827999, 3)
            d = _rotate(d + ((a & b) | (a & c) | (b & c)) + x[i + 4] + 0x5A827999, 5)
            c = _rotate(c + ((d & a) | (d & b) | (a & b)) + x[i + 8] + 0x5A827999, 9)
            b = _rotate(b + ((c & d) | (c & a) | (d & a)) + x[i + 12] + 0x5A827999, 13)
        for i in (0, 2, 1, 3):
            a = _rotate(a + (b ^ c ^ d) + x[i] + 0x6ED9EBA1, 3)
            d = _rotate(d + (a ^ b ^ c) + x[i + 8] + 0x6ED9EBA1, 9)
            c = _rotate(c + (d ^ a ^ b) + x[i + 4] + 0x6ED9EBA1, 11)
            b = _rotate(b + (c ^ d ^ a) + x[i + 12] + 0x6ED9EBA1, 15)
        state = [(s + v) & _MASK for s, v in zip(state, (a, b, c, d), strict=True)]
    return struct.pack("<4I", *state)


def nt_hash(password: str) -> str:
    """The NTLM hash of `password` in hex, as winpr's SAM file stores it."""
    return md4(password.encode("utf-16-le")).hex()


def test_md4_matches_rfc_1320() -> None:
    assert md4(b"").hex() == "31d6cfe0d16ae931b73c59d7e0c089c0"
    assert md4(b"abc").hex() == "a448017aaf21d8525fc10ae87aa6729d"
    assert md4(b"a" * 100).hex() == md4(b"a" * 100).hex()
