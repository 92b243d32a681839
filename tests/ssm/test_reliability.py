"""The reliability layer on its own (docs/protocol.md §5): the RTO estimate, the window and
resends of the upstream buffer on a clock the test controls, and in-order delivery through
the downstream reorder buffer."""

from __future__ import annotations

import asyncio

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
    # Resent at 10.2: not again until one more RTO has passed.
    assert buffer.take_expired(10.25) == []
    assert buffer.take_expired(10.4) == [frames[0], frames[2], frames[3]]


def test_an_ack_for_a_resent_message_does_not_sample_the_round_trip() -> None:
    """Karn's rule: which copy the ack answers is unknown, so the RTO stays as it was."""
    buffer = OutgoingBuffer(window=8)
    sent(buffer, 1, at=0.0)
    assert len(buffer.take_expired(RTO_INITIAL_S)) == 1
    buffer.acknowledge(0, now=RTO_INITIAL_S + 0.01)
    assert buffer.rtt.srtt is None
    assert buffer.rtt.rto == RTO_INITIAL_S


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
    # The second message's RTO (0.2 s) has passed at 0.375; the first was resent at 0.25.
    assert buffer.take_expired(0.375) == [second]


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
