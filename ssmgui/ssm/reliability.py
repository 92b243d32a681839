"""The data channel's reliability layer, both directions (docs/protocol.md §5).

Upstream: every message stays buffered until acked; a bounded window replaces the plugin's
1 ms sleep per KiB; expired messages are resent on an RTO from Jacobson/Karels, and unlike
the plugin (head only, one per 100 ms) every expired message goes at once, so N losses
cost one RTO, not N × 100 ms. The estimate takes one sample per round trip, as Jacobson/
Karels assumes, and a timeout doubles the RTO until a message sent once is acked (Karn's
algorithm), so a round trip that grows under load is learnt instead of answered with
resends of the whole window. Downstream: in-order delivery with a reorder buffer;
duplicates are re-acked (the plugin drops them silently, and the agent then resends
forever).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ssmgui.ssm.message import Frame

REORDER_LIMIT = 10_000
RTO_INITIAL_S = 0.2
RTO_MIN_S = 0.1
RTO_MAX_S = 10.0  # above the queueing delay of a full window on a slow uplink (§5)
CLOCK_GRANULARITY_S = 0.01
ALPHA = 1 / 8
BETA = 1 / 4
MAX_RESENDS_PER_TICK = 512


@dataclass(slots=True)
class _Pending:
    frame: bytes
    sent_at: float
    resent: bool = False


class RttEstimator:
    """Jacobson/Karels RTO (RFC 6298), clamped to RTO_MIN_S–RTO_MAX_S.

    Callers feed it one sample per round trip, from messages sent once (Karn's rule);
    `back_off` doubles the RTO after a timeout, until the next sample replaces it.
    """

    def __init__(self) -> None:
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.rto = RTO_INITIAL_S

    def sample(self, rtt: float) -> None:
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = (1 - BETA) * self.rttvar + BETA * abs(self.srtt - rtt)
            self.srtt = (1 - ALPHA) * self.srtt + ALPHA * rtt
        rto = self.srtt + max(CLOCK_GRANULARITY_S, 4 * self.rttvar)
        self.rto = min(RTO_MAX_S, max(RTO_MIN_S, rto))

    def back_off(self) -> None:
        self.rto = min(RTO_MAX_S, 2 * self.rto)


class OutgoingBuffer:
    """Sent-but-unacked stream messages, in sequence order, with a window."""

    def __init__(self, window: int) -> None:
        self._window = window
        self._pending: dict[int, _Pending] = {}
        self._next_seq = 0
        self._space = asyncio.Event()
        self._space.set()
        self.rtt = RttEstimator()
        self._sampled_at: float | None = None

    def next_sequence(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq

    @property
    def full(self) -> bool:
        return len(self._pending) >= self._window

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, seq: int, frame: bytes, now: float) -> None:
        self._pending[seq] = _Pending(frame, now)
        if self.full:
            self._space.clear()

    def acknowledge(self, seq: int, now: float) -> None:
        pending = self._pending.pop(seq, None)
        if pending is None:
            return
        if not pending.resent and self._round_trip_since_last_sample(now):
            self.rtt.sample(now - pending.sent_at)
            self._sampled_at = now
        if not self.full:
            self._space.set()

    def _round_trip_since_last_sample(self, now: float) -> bool:
        """A window's acks come in a burst; each fed to the estimator would shrink RTTVAR
        to nothing and the RTO to the latest round trip, which Jacobson/Karels' gains are
        not made for (they assume one sample per round trip, as TCP takes)."""
        if self._sampled_at is None or self.rtt.srtt is None:
            return True
        return now - self._sampled_at >= self.rtt.srtt

    async def wait_for_space(self) -> None:
        await self._space.wait()

    def wake_all(self) -> None:
        """Release senders waiting for the window (the channel is closing)."""
        self._space.set()

    def take_expired(self, now: float) -> list[bytes]:
        """Frames whose RTO has passed, oldest first, marked as resent now; if there are
        any, the RTO backs off (Karn's algorithm)."""
        frames: list[bytes] = []
        rto = self.rtt.rto
        for pending in self._pending.values():
            if now - pending.sent_at < rto:
                # Not in send order: a resent head is younger than the messages behind it.
                continue
            pending.sent_at, pending.resent = now, True
            frames.append(pending.frame)
            if len(frames) >= MAX_RESENDS_PER_TICK:
                break
        if frames:
            self.rtt.back_off()
        return frames

    def take_all_for_resend(self, now: float) -> list[bytes]:
        """Every unacked frame, for a fresh WebSocket after ResumeSession."""
        for pending in self._pending.values():
            pending.sent_at, pending.resent = now, True
        return [pending.frame for pending in self._pending.values()]


class ReorderBuffer:
    """Downstream sequence tracking: what to ack and what to deliver, in order."""

    def __init__(self) -> None:
        self.expected = 0
        self._early: dict[int, Frame] = {}

    def accept(self, message: Frame) -> list[Frame] | None:
        """Messages now deliverable in order ([] for a duplicate or an early one that was
        buffered); None when an early message cannot be buffered (so it must not be acked)."""
        seq = message.sequence_number
        if seq < self.expected:
            return []
        if seq > self.expected:
            if len(self._early) >= REORDER_LIMIT:
                return None
            self._early[seq] = message
            return []
        ready = [message]
        self.expected += 1
        while self.expected in self._early:
            ready.append(self._early.pop(self.expected))
            self.expected += 1
        return ready
