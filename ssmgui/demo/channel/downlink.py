"""What an agent session needs from its current WebSocket, and the agent's timers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Downlink(Protocol):
    """What a session needs from the WebSocket currently attached to it."""

    @property
    def write_blocked(self) -> bool: ...

    def send(self, frame: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass
class AgentTiming:
    """Agent timers; tests shrink them (docs/protocol.md §4: 15 s handshake; §7: 10 s NOP,
    30 s timeout)."""

    handshake_timeout_s: float = 15.0
    keepalive_interval_s: float = 10.0
    keepalive_timeout_s: float = 30.0
