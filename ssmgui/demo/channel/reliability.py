"""The agent's reliability layer state (docs/protocol.md §5), independent of any socket.

It outlives a WebSocket: sequence numbers continue and unacked output is resent when the
client comes back after ResumeSession (§6).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from ssmgui.demo.channel.wire import Inbound

# §5: initial RTO 200 ms, initial RTT 100 ms, alpha 1/8, beta 1/4, granularity 10 ms, max 1 s.
INITIAL_RTO_S = 0.2
INITIAL_RTT_S = 0.1
CLOCK_GRANULARITY_S = 0.01
MAX_RTO_S = 1.0
REORDER_CAPACITY = 10_000


@dataclass(slots=True)
class Pending:
    """One unacked output frame and when it was last sent (None: not yet sent)."""

    frame: bytes
    sent_at: float | None
    resent: bool = False


class Reliability:
    """Sequence numbers, the unacked buffer, the reorder buffer and the RTO estimate."""

    def __init__(self) -> None:
        self.next_out_seq = 0
        self.unacked: OrderedDict[int, Pending] = OrderedDict()
        self.expected_in_seq = 0
        self.reorder: dict[int, Inbound] = {}
        self.rto_s = INITIAL_RTO_S
        self._srtt = INITIAL_RTT_S
        self._rttvar = INITIAL_RTT_S / 2
        self.resends = 0

    def take_seq(self) -> int:
        seq = self.next_out_seq
        self.next_out_seq += 1
        return seq

    def remember(self, seq: int, frame: bytes, sent_at: float | None) -> None:
        self.unacked[seq] = Pending(frame, sent_at)

    def acked(self, seq: int, now: float) -> bool:
        """Forget `seq`; a first-try ack also feeds the RTT estimate. False if unknown."""
        pending = self.unacked.pop(seq, None)
        if pending is None:
            return False
        if not pending.resent and pending.sent_at is not None:
            self._sample(now - pending.sent_at)
        return True

    def _sample(self, rtt: float) -> None:
        # Jacobson/Karels, as in the agent's datachannel.go.
        self._rttvar = 0.75 * self._rttvar + 0.25 * abs(self._srtt - rtt)
        self._srtt = 0.875 * self._srtt + 0.125 * rtt
        self.rto_s = min(MAX_RTO_S, self._srtt + max(CLOCK_GRANULARITY_S, 4 * self._rttvar))

    def due_head(self, now: float) -> bytes | None:
        """The head frame if it is older than the RTO (marked resent), else None (§5)."""
        if not self.unacked:
            return None
        pending = next(iter(self.unacked.values()))
        if pending.sent_at is not None and now - pending.sent_at < self.rto_s:
            return None
        pending.sent_at = now
        pending.resent = True
        self.resends += 1
        return pending.frame

    def all_unacked(self, now: float) -> list[bytes]:
        """Every unacked frame in order, marked as sent now (the resend on resume)."""
        frames = []
        for pending in self.unacked.values():
            pending.sent_at = now
            pending.resent = True
            frames.append(pending.frame)
        return frames

    def accept(self, message: Inbound) -> list[Inbound] | None:
        """Classify an inbound stream message.

        Returns the messages now deliverable in order (possibly none, when it was buffered
        ahead of a gap or was a duplicate), or None when the reorder buffer is full and the
        message must be dropped without an ack.
        """
        seq = message.sequence_number
        if seq < self.expected_in_seq or seq in self.reorder:
            return []
        if seq > self.expected_in_seq:
            if len(self.reorder) >= REORDER_CAPACITY:
                return None
            self.reorder[seq] = message
            return []
        ready = [message]
        self.expected_in_seq += 1
        while self.reorder:
            following = self.reorder.pop(self.expected_in_seq, None)
            if following is None:
                break
            ready.append(following)
            self.expected_in_seq += 1
        return ready
