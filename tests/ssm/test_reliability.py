"""The reliability layer on its own (docs/protocol.md §5): the RTO estimate, the window and
resends of the upstream buffer on a clock the test controls, and in-order delivery through
the downstream reorder buffer."""

from __future__ import annotations

import asyncio
from collections import deque

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssmgui.ssm.message import Frame as Message
from ssmgui.ssm.message import MessageType, PayloadType, encode_stream_frame, parse_frame
from ssmgui.ssm.reliability import (
    MAX_RESENDS_PER_TICK,
    REORDER_LIMIT,
    RTO_INITIAL_S,
    RTO_MAX_S,
    RTO_MIN_S,
    OutgoingBuffer,
    ReorderBuffer,
    RttEstimator,
)


def frame(seq: int) -> bytes:
    return encode_stream_frame(
        MessageType.INPUT_STREAM_DATA, seq, PayloadType.OUTPUT, f"m{seq}".encode()
    )


def message(seq: int) -> Message:
    return parse_frame(
        encode_stream_frame(
            MessageType.OUTPUT_STREAM_DATA, seq, PayloadType.OUTPUT, f"m{seq}".encode()
        )
    )


def sent(buffer: OutgoingBuffer, count: int, at: float = 0.0) -> list[bytes]:
    """Send `count` messages into `buffer` at time `at`; their frames, in order."""
    frames = []
    for _ in range(count):
        seq = buffer.next_sequence()
        frames.append(frame(seq))
        buffer.add(seq, frames[-1], at)
    return frames


# --- the RTO estimate -------------------------------------------------------------------


def test_rto_starts_at_the_initial_value_until_the_first_sample() -> None:
    rtt = RttEstimator()
    assert (rtt.srtt, rtt.rto) == (None, RTO_INITIAL_S)
    rtt.sample(0.1)
    # First sample: srtt = r, rttvar = r/2, so rto = r + 4 * r/2.
    assert rtt.srtt == pytest.approx(0.1)
    assert rtt.rto == pytest.approx(0.3)


def test_rto_follows_jacobson_karels_for_later_samples() -> None:
    rtt = RttEstimator()
    rtt.sample(0.1)
    rtt.sample(0.1)
    # rttvar = 3/4 * 0.05 + 1/4 * 0 = 0.0375; srtt stays 0.1; rto = 0.1 + 4 * 0.0375.
    assert rtt.rttvar == pytest.approx(0.0375)
    assert rtt.rto == pytest.approx(0.25)
    rtt.sample(0.2)
    # rttvar = 3/4 * 0.0375 + 1/4 * 0.1; srtt = 7/8 * 0.1 + 1/8 * 0.2.
    assert rtt.srtt == pytest.approx(0.1125)
    assert rtt.rttvar == pytest.approx(0.053125)
    assert rtt.rto == pytest.approx(0.1125 + 4 * 0.053125)


def test_rto_is_clamped_between_its_floor_and_ceiling() -> None:
    fast = RttEstimator()
    fast.sample(0.001)
    assert fast.rto == RTO_MIN_S
    slow = RttEstimator()
    slow.sample(5.0)
    assert slow.rto == RTO_MAX_S


# --- upstream: window, acks, resends ------------------------------------------------------


def test_sequence_numbers_count_up_from_zero() -> None:
    buffer = OutgoingBuffer(window=8)
    assert [buffer.next_sequence() for _ in range(4)] == [0, 1, 2, 3]


async def test_the_window_bounds_unacked_messages_and_an_ack_reopens_it() -> None:
    buffer = OutgoingBuffer(window=3)
    sent(buffer, 2)
    full_at_two = buffer.full
    await asyncio.wait_for(buffer.wait_for_space(), 0.1)  # room: returns at once
    sent(buffer, 1)
    assert (full_at_two, buffer.full, len(buffer)) == (False, True, 3)
    waiter = asyncio.create_task(buffer.wait_for_space())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    buffer.acknowledge(7, now=0.05)  # never sent: changes nothing
    await asyncio.sleep(0.01)
    assert not waiter.done()
    buffer.acknowledge(1, now=0.05)
    await asyncio.wait_for(waiter, 0.1)
    assert len(buffer) == 2


async def test_wake_all_releases_a_sender_waiting_for_a_full_window() -> None:
    buffer = OutgoingBuffer(window=1)
    sent(buffer, 1)
    waiter = asyncio.create_task(buffer.wait_for_space())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    buffer.wake_all()
    await asyncio.wait_for(waiter, 0.1)


def test_an_ack_samples_the_round_trip_once_and_a_duplicate_ack_is_ignored() -> None:
    buffer = OutgoingBuffer(window=8)
    sent(buffer, 1, at=1.0)
    buffer.acknowledge(0, now=1.1)
    assert buffer.rtt.srtt == pytest.approx(0.1)
    assert len(buffer) == 0
    buffer.acknowledge(0, now=9.0)  # the same ack again, much later
    assert buffer.rtt.srtt == pytest.approx(0.1)


def test_nothing_is_resent_before_its_rto_has_passed() -> None:
    buffer = OutgoingBuffer(window=8)
    sent(buffer, 3, at=10.0)
    assert buffer.take_expired(10.0 + RTO_INITIAL_S - 0.001) == []


def test_every_expired_message_is_resent_at_once_oldest_first() -> None:
    buffer = OutgoingBuffer(window=8)
    frames = sent(buffer, 3, at=10.0)
    frames += sent(buffer, 1, at=10.15)
    buffer.acknowledge(1, now=10.05)  # srtt 0.05 → rto = 0.05 + 4 * 0.025 = 0.15
    assert buffer.rtt.rto == pytest.approx(0.15)
    assert buffer.take_expired(10.2) == [frames[0], frames[2]]
    # Resent at 10.2, and the RTO backed off to 0.3: nothing again before 10.45.
    assert buffer.take_expired(10.4) == []
    assert buffer.take_expired(10.55) == [frames[0], frames[2], frames[3]]


def test_acks_within_one_round_trip_feed_the_estimate_once() -> None:
    """A window's acks arrive in a burst, a few microseconds apart. Fed to the estimator one
    by one they would shrink RTTVAR to nothing and leave the RTO a hair above the last
    round trip, so the next slightly slower one would resend the whole window."""
    buffer = OutgoingBuffer(window=2000)
    sent(buffer, 1000, at=0.0)
    buffer.acknowledge(0, now=0.1)  # srtt 0.1, rttvar 0.05: rto 0.3
    for seq in range(1, 1000):
        buffer.acknowledge(seq, now=0.1 + seq * 1e-5)
    assert buffer.rtt.rto == pytest.approx(0.3)
    sent(buffer, 1, at=0.2)
    buffer.acknowledge(1000, now=0.3)  # one round trip after the first sample: sampled
    assert buffer.rtt.rttvar == pytest.approx(0.0375)


def test_each_timeout_doubles_the_rto_until_a_message_sent_once_is_acked() -> None:
    """Karn's algorithm (RFC 6298 §5.5): a timeout means the estimate is too short and no
    resent message may correct it, so the RTO backs off for everything until a message
    sent once is acked."""
    buffer = OutgoingBuffer(window=8)
    (first,) = sent(buffer, 1, at=0.0)
    assert buffer.take_expired(RTO_INITIAL_S) == [first]
    assert buffer.rtt.rto == pytest.approx(2 * RTO_INITIAL_S)
    assert buffer.take_expired(RTO_INITIAL_S + 2 * RTO_INITIAL_S - 0.001) == []
    assert buffer.take_expired(3 * RTO_INITIAL_S + 0.01) == [first]
    assert buffer.rtt.rto == pytest.approx(4 * RTO_INITIAL_S)
    buffer.acknowledge(0, now=0.65)  # a resent message's ack: no sample, still backed off
    assert buffer.rtt.rto == pytest.approx(4 * RTO_INITIAL_S)
    sent(buffer, 1, at=1.0)
    assert buffer.take_expired(1.5) == []  # a new message waits the backed-off RTO too
    buffer.acknowledge(1, now=1.5)
    assert buffer.rtt.rto == pytest.approx(1.5)  # a fresh sample: 0.5 + 4 * 0.25


def test_backing_off_stops_at_the_ceiling() -> None:
    buffer = OutgoingBuffer(window=8)
    sent(buffer, 1, at=0.0)
    now = 0.0
    for _ in range(20):
        now += buffer.rtt.rto + 0.001
        assert buffer.take_expired(now) != []
    assert buffer.rtt.rto == RTO_MAX_S


def test_a_round_trip_longer_than_a_second_is_learnt_and_then_nothing_is_resent() -> None:
    """A lossless link whose acks come 1.5 s after each message, as on a slow uplink behind
    a full window: after the first round trips the RTO covers it and the resends stop.
    Capped at 1 s, the RTO once made every message go at least twice, for good."""
    buffer = OutgoingBuffer(window=4096)
    round_trip, tick = 1.5, 0.05
    in_flight: deque[tuple[float, int]] = deque()
    resent_after_warm_up = 0
    for step in range(int(20 / tick)):
        now = step * tick
        while in_flight and in_flight[0][0] + round_trip <= now:
            buffer.acknowledge(in_flight.popleft()[1], now)
        for frame_sent in sent(buffer, 10, at=now):
            in_flight.append((now, parse_frame(frame_sent).sequence_number))
        resent = buffer.take_expired(now)
        if now >= 10.0:
            resent_after_warm_up += len(resent)
    assert resent_after_warm_up == 0
    assert buffer.rtt.srtt == pytest.approx(round_trip, rel=0.01)


def test_an_ack_for_a_resent_message_does_not_sample_the_round_trip() -> None:
    """Karn's rule: which copy the ack answers is unknown, so the RTO stays backed off."""
    buffer = OutgoingBuffer(window=8)
    sent(buffer, 1, at=0.0)
    assert len(buffer.take_expired(RTO_INITIAL_S)) == 1
    buffer.acknowledge(0, now=RTO_INITIAL_S + 0.01)
    assert buffer.rtt.srtt is None
    assert buffer.rtt.rto == 2 * RTO_INITIAL_S


def test_resends_per_call_are_capped() -> None:
    buffer = OutgoingBuffer(window=2 * MAX_RESENDS_PER_TICK)
    frames = sent(buffer, MAX_RESENDS_PER_TICK + 10, at=0.0)
    assert buffer.take_expired(1.0) == frames[:MAX_RESENDS_PER_TICK]


def test_the_rest_of_a_capped_resend_goes_on_the_next_tick() -> None:
    buffer = OutgoingBuffer(window=2 * MAX_RESENDS_PER_TICK)
    frames = sent(buffer, MAX_RESENDS_PER_TICK + 10, at=0.0)
    buffer.take_expired(1.0)
    assert buffer.take_expired(1.05) == frames[MAX_RESENDS_PER_TICK:]


def test_a_message_whose_rto_passed_is_resent_even_behind_a_freshly_resent_head() -> None:
    buffer = OutgoingBuffer(window=8)
    first, second = sent(buffer, 1, at=0.0) + sent(buffer, 1, at=0.125)
    assert buffer.take_expired(0.25) == [first]
    # The RTO backed off to 0.4 s: the second message's has passed at 0.525, while the
    # first, resent at 0.25, is not due before 0.65.
    assert buffer.take_expired(0.525) == [second]


def test_after_resume_every_unacked_message_is_resent_in_order_once() -> None:
    buffer = OutgoingBuffer(window=8)
    frames = sent(buffer, 4, at=0.0)
    buffer.acknowledge(1, now=0.01)
    assert buffer.take_all_for_resend(5.0) == [frames[0], frames[2], frames[3]]
    # They count as sent at 5.0: no duplicate resend before their RTO, and (Karn) the
    # acks that follow do not sample the round trip.
    srtt = buffer.rtt.srtt
    assert buffer.take_expired(5.0 + 0.05) == []
    buffer.acknowledge(2, now=5.02)
    assert buffer.rtt.srtt == srtt
    assert buffer.take_all_for_resend(6.0) == [frames[0], frames[3]]


# --- downstream: in-order delivery ------------------------------------------------------


def sequences(messages: list[Message] | None) -> list[int] | None:
    return None if messages is None else [m.sequence_number for m in messages]


def test_in_order_messages_are_delivered_at_once() -> None:
    reorder = ReorderBuffer()
    assert sequences(reorder.accept(message(0))) == [0]
    assert sequences(reorder.accept(message(1))) == [1]
    assert reorder.expected == 2


def test_early_messages_wait_for_the_gap_then_go_in_order() -> None:
    reorder = ReorderBuffer()
    assert reorder.accept(message(2)) == []
    assert reorder.accept(message(1)) == []
    delivered = reorder.accept(message(0))
    assert sequences(delivered) == [0, 1, 2]
    assert [m.payload for m in delivered or []] == [b"m0", b"m1", b"m2"]
    assert reorder.expected == 3


def test_duplicates_are_not_delivered_again() -> None:
    """[] (not None) means: acknowledge it again, deliver nothing."""
    reorder = ReorderBuffer()
    reorder.accept(message(0))
    assert reorder.accept(message(0)) == []
    reorder.accept(message(2))
    assert reorder.accept(message(2)) == []
    assert sequences(reorder.accept(message(1))) == [1, 2]


def test_a_full_reorder_buffer_refuses_early_messages_but_not_the_next_one() -> None:
    reorder = ReorderBuffer()
    for seq in range(1, REORDER_LIMIT + 1):
        assert reorder.accept(message(seq)) == []
    assert reorder.accept(message(REORDER_LIMIT + 5)) is None  # must not be acked
    assert sequences(reorder.accept(message(0))) == list(range(REORDER_LIMIT + 1))
    assert sequences(reorder.accept(message(REORDER_LIMIT + 5))) == []  # room again


@given(
    st.integers(1, 40).flatmap(
        lambda n: st.permutations(list(range(n)) + list(range(n))).map(lambda p: (n, p))
    )
)
def test_any_arrival_order_with_duplicates_delivers_each_message_once_in_order(
    case: tuple[int, list[int]],
) -> None:
    count, arrivals = case
    reorder = ReorderBuffer()
    delivered: list[int] = []
    for seq in arrivals:
        delivered += sequences(reorder.accept(message(seq))) or []
    assert delivered == list(range(count))
