"""Fault knobs for the fake Session Manager (docs/protocol.md §11 item 9).

A `Faults` instance is shared by the whole fake and read on every use, so tests may flip
knobs in the middle of a transfer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Faults:
    """Mutable fault injection settings.

    latency_s: one-way delay. Each data-channel frame the fake sends is delivered latency_s
        later and each frame it receives is processed latency_s later (order kept per
        direction); API answers and the WebSocket upgrade take 2 * latency_s.
    pace_agent: imitate the real agent's 1 ms sleep after each <= 1,024-byte output (§12).
    drop_acks_from_client: fraction of the client's acks the agent ignores (so it resends).
    drop_acks_to_client: fraction of accepted client messages the agent does not ack.
    ack_delay_s: extra delay before the agent sends each ack.
    deaf: stop reading the WebSocket entirely (pings go unanswered: a dead peer).
    corrupt_smux: the agent's next smux output is a frame of a version that does not exist
        (the knob clears itself), as a broken agent or a corrupting middlebox would send.
    """

    latency_s: float = 0.0
    pace_agent: bool = False
    drop_acks_from_client: float = 0.0
    drop_acks_to_client: float = 0.0
    ack_delay_s: float = 0.0
    deaf: bool = False
    corrupt_smux: bool = False
