"""Liveness probes for plugin tunnels.

A plugin tunnel can die while the process lives and its port keeps accepting: after a send
failure during the WebSocket recycle the plugin's upload pump exits and new connections are
accepted but never served (docs/protocol.md §12). Exit codes and process state cannot
see that; only a connection through the port can.

A probe connects to the local port, optionally sends a few bytes, and calls the tunnel
served when anything comes back: bytes, or the far end closing (a target that refused the
connection still proves the tunnel carries traffic). Silence until the timeout means dead.
What to send depends on the protocol behind the port, so the tunnel manager picks the
probe: a server that speaks first (SSH) needs nothing; HTTP and RDP need a request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

LivenessProbe = Callable[[int], Awaitable[bool]]

# A TPKT-wrapped X.224 Connection Request: any RDP server answers it (Confirm or close).
RDP_PROBE = bytes.fromhex("0300000b06e00000000000")
HTTP_PROBE = b"HEAD / HTTP/1.0\r\n\r\n"
SSH_PROBE = b""  # the SSH server sends its banner first


@dataclass(frozen=True)
class ReplyProbe:
    """Served = bytes or EOF within `timeout_s` after sending `payload` to localhost:port."""

    payload: bytes = b""
    timeout_s: float = 10.0

    async def __call__(self, port: int) -> bool:
        try:
            # "localhost", like the plugin's own bind, which may be IPv6 only (§10).
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("localhost", port), self.timeout_s
            )
        except (OSError, TimeoutError):
            return False
        try:
            if self.payload:
                writer.write(self.payload)
                await writer.drain()
            await asyncio.wait_for(reader.read(1), self.timeout_s)
            return True  # bytes or EOF: something at the other end answered
        except TimeoutError:
            return False
        except OSError:
            return True  # reset by the far end is an answer too
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def probe_for_remote_port(remote_port: int) -> LivenessProbe:
    """A sensible default by the well-known port behind the tunnel."""
    if remote_port == 3389:
        return ReplyProbe(RDP_PROBE)
    if remote_port == 22:
        return ReplyProbe(SSH_PROBE)
    return ReplyProbe(HTTP_PROBE)
