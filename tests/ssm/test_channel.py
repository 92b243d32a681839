"""DataChannel against a scripted peer on loopback (tests/ssm/loopback_agent.py): opening
and the handshake, acks and in-order delivery, resends and the window, ResumeSession
reconnects, and every way a session ends (docs/protocol.md §3–§6, §13)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from ssmgui.core.errors import (
    ConnectionLostError,
    EndpointRejectedError,
    ProtocolError,
    SessionClosedError,
    SessionEndedByServiceError,
    SessionStartError,
)
from ssmgui.ssm.channel import CLIENT_VERSION, ChannelOptions, DataChannel
from ssmgui.ssm.message import (
    MAX_STREAM_PAYLOAD,
    Flag,
    MessageType,
    PayloadType,
    encode_stream_frame,
    flag_payload,
)
from tests.ssm.loopback_agent import SESSION_ID, Control, LoopbackAgent


@dataclass
class Sink:
    output: bytearray = field(default_factory=bytearray)
    flags: list[int] = field(default_factory=list)

    def on_output(self, data: bytes) -> None:
        self.output += data

    def on_flag(self, flag: int) -> None:
        self.flags.append(flag)


@pytest.fixture
async def agent() -> AsyncIterator[LoopbackAgent]:
    peer = await LoopbackAgent().start()
    yield peer
    await peer.stop()


def channel_for(agent: LoopbackAgent, control: Control, **options: object) -> DataChannel:
    settings: dict[str, object] = {
        "allowed_hosts": frozenset({agent.host}),
        "handshake_timeout_s": 3.0,
        "ping_interval_s": None,
    }
    settings.update(options)
    return DataChannel(agent.endpoint(), control, ChannelOptions(**settings))  # type: ignore[arg-type]


async def opened(agent: LoopbackAgent, **options: object) -> tuple[DataChannel, Control, Sink]:
    control, sink = Control(agent), Sink()
    channel = channel_for(agent, control, **options)
    await channel.open()
    channel.set_sink(sink)
    return channel, control, sink


async def until(condition: object, seconds: float = 3.0) -> None:
    assert callable(condition)
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


# --- opening --------------------------------------------------------------------------------


async def test_open_sends_open_data_channel_then_answers_the_handshake(
    agent: LoopbackAgent,
) -> None:
    control = Control(agent)
    channel = channel_for(agent, control)
    handshake = await channel.open()
    assert handshake.session_type == "Port" and handshake.is_local_port_forwarding
    assert handshake.customer_message == "hello"
    (opening,) = agent.opens
    assert opening["TokenValue"] == "token-1"
    assert opening["ClientVersion"] == CLIENT_VERSION
    assert opening["MessageSchemaVersion"] == "1.0" and opening["ClientId"]
    assert control.signed == [agent.endpoint().stream_url]
    (response,) = agent.inputs
    assert (response.sequence_number, response.payload_type) == (0, PayloadType.HANDSHAKE_RESPONSE)
    assert json.loads(response.payload)["ClientVersion"] == CLIENT_VERSION
    await agent.until(lambda: agent.acks == [0, 1])  # HandshakeRequest and HandshakeComplete
    await channel.close()


async def test_a_session_that_is_not_a_port_session_fails_to_open() -> None:
    agent = await LoopbackAgent(session_type="InteractiveCommands").start()
    try:
        control = Control(agent)
        with pytest.raises(ProtocolError, match="only opens port sessions"):
            await channel_for(agent, control).open()
        assert control.terminations == [SESSION_ID]
    finally:
        await agent.stop()


async def test_no_handshake_within_the_timeout_is_a_protocol_error() -> None:
    agent = await LoopbackAgent(send_handshake=False).start()
    try:
        control = Control(agent)
        started = time.monotonic()
        with pytest.raises(ProtocolError, match="did not complete the handshake"):
            await channel_for(agent, control, handshake_timeout_s=0.3).open()
        assert time.monotonic() - started < 2.0
        assert control.terminations == [SESSION_ID]
    finally:
        await agent.stop()


async def test_a_token_refused_at_open_is_a_session_closed_error() -> None:
    agent = await LoopbackAgent(refuse_open=(1003, "invalid token")).start()
    try:
        control = Control(agent)
        with pytest.raises(SessionClosedError, match="refused the session token"):
            await channel_for(agent, control).open()
        assert control.resumes == []  # not a reconnect: the session never started
    finally:
        await agent.stop()


async def test_a_link_closed_during_the_handshake_still_terminates_the_session() -> None:
    """open(): 'On any failure the session is terminated (flag and API)'."""
    agent = await LoopbackAgent(refuse_open=(1003, "invalid token")).start()
    try:
        control = Control(agent)
        with pytest.raises(SessionClosedError):
            await channel_for(agent, control).open()
        assert control.terminations == [SESSION_ID]
    finally:
        await agent.stop()


async def test_an_unreachable_data_channel_is_a_session_start_error(
    agent: LoopbackAgent,
) -> None:
    control = Control(agent)
    channel = channel_for(agent, control)
    await agent.stop()
    with pytest.raises(SessionStartError, match="Cannot open the Session Manager data channel"):
        await channel.open()
    assert control.terminations == [SESSION_ID]


async def test_a_host_that_is_not_allowed_is_never_contacted(agent: LoopbackAgent) -> None:
    control = Control(agent)
    channel = channel_for(agent, control, allowed_hosts=frozenset({"127.0.0.1:1"}))
    with pytest.raises(EndpointRejectedError):
        await channel.open()
    assert agent.opens == [] and control.signed == []


async def test_an_unreadable_handshake_request_fails_open_with_a_protocol_error() -> None:
    agent = await LoopbackAgent(send_handshake=False).start()
    try:
        control = Control(agent)
        channel = channel_for(agent, control)
        opening = asyncio.create_task(channel.open())
        await agent.until(lambda: bool(agent.opens))
        await agent.send_output(b"{not json", PayloadType.HANDSHAKE_REQUEST)
        with pytest.raises(ProtocolError, match="unreadable HandshakeRequest"):
            await opening
    finally:
        await agent.stop()


# --- receiving: acks, order, duplicates ------------------------------------------------------


async def test_output_is_delivered_in_order_once_and_every_copy_is_acked(
    agent: LoopbackAgent,
) -> None:
    channel, _, sink = await opened(agent)
    await agent.send_output(b"c", seq=4)
    await agent.send_output(b"b", seq=3)
    await agent.send_output(b"a", seq=2)
    await agent.send_output(b"b", seq=3)  # a resend of something already delivered
    await agent.until(lambda: agent.acks[2:] == [4, 3, 2, 3])
    assert sink.output == b"abc"
    assert channel.stats.bytes_down == 3
    await channel.close()


async def test_output_before_a_sink_is_attached_is_kept_for_it(agent: LoopbackAgent) -> None:
    control = Control(agent)
    channel = channel_for(agent, control)
    await channel.open()
    await agent.send_output(b"early ")
    await agent.send_output(b"bytes")
    await agent.until(lambda: len(agent.acks) == 4)
    sink = Sink()
    channel.set_sink(sink)
    assert sink.output == b"early bytes"
    await agent.send_output(b" and later")
    await until(lambda: sink.output == b"early bytes and later")
    await channel.close()


async def test_flags_reach_the_sink(agent: LoopbackAgent) -> None:
    channel, _, sink = await opened(agent)
    await agent.send_output(flag_payload(Flag.CONNECT_TO_PORT_ERROR), PayloadType.FLAG)
    await until(lambda: sink.flags == [Flag.CONNECT_TO_PORT_ERROR])
    await channel.close()


async def test_malformed_frames_are_counted_and_dropped(agent: LoopbackAgent) -> None:
    channel, _, sink = await opened(agent)
    await agent.send_raw(b"too short")
    corrupt = bytearray(
        encode_stream_frame(MessageType.OUTPUT_STREAM_DATA, 2, PayloadType.OUTPUT, b"good")
    )
    corrupt[-1] ^= 0xFF  # the digest no longer matches
    await agent.send_raw(bytes(corrupt))
    await agent.send_output(b"good")
    await until(lambda: sink.output == b"good")
    assert channel.stats.malformed == 2
    assert 2 in agent.acks  # the intact copy
    await channel.close()


# --- sending: messages, window, resends ------------------------------------------------------


async def test_send_cuts_bytes_into_numbered_1_kib_messages(agent: LoopbackAgent) -> None:
    channel, _, _ = await opened(agent)
    data = bytes(range(256)) * 12  # 3,072 bytes
    await channel.send(data)
    await agent.until(lambda: len(agent.input_sequences()) == 3)
    outputs = [m for m in agent.inputs if m.payload_type == PayloadType.OUTPUT]
    assert [m.sequence_number for m in outputs] == [1, 2, 3]  # 0 was the handshake response
    assert [len(m.payload) for m in outputs] == [MAX_STREAM_PAYLOAD] * 3
    assert b"".join(m.payload for m in outputs) == data
    assert channel.stats.bytes_up == len(data)
    await channel.close()


async def test_an_unacked_message_is_resent_until_it_is_acked(agent: LoopbackAgent) -> None:
    channel, _, _ = await opened(agent)
    agent.withhold_acks = True
    await channel.send(b"are you there")
    await agent.until(lambda: agent.input_sequences() == [1, 1, 1])  # two resends
    assert channel.stats.resends >= 2
    agent.withhold_acks = False
    await agent.until(lambda: len(agent.input_sequences()) == 4)  # acked this time
    resends = channel.stats.resends
    await asyncio.sleep(0.25)  # five resend ticks, each finding nothing unacked
    assert channel.stats.resends == resends
    await channel.close()


async def test_a_full_window_holds_the_sender_until_acks_free_it(agent: LoopbackAgent) -> None:
    channel, _, _ = await opened(agent, window=4)
    agent.withhold_acks = True
    sending = asyncio.create_task(channel.send(bytes(8 * MAX_STREAM_PAYLOAD)))
    await asyncio.sleep(0.3)
    assert not sending.done()
    assert set(agent.input_sequences()) == {1, 2, 3, 4}  # the window, and its resends
    agent.withhold_acks = False
    await asyncio.wait_for(sending, 3)
    await agent.until(lambda: set(agent.input_sequences()) == set(range(1, 9)))
    await channel.close()


# --- reconnects ---------------------------------------------------------------------------------


async def test_a_recycle_resumes_with_a_new_token_and_resends_what_was_unacked(
    agent: LoopbackAgent,
) -> None:
    channel, control, sink = await opened(agent)
    agent.withhold_acks = True
    await channel.send(b"in flight")
    await agent.until(lambda: agent.input_sequences()[:1] == [1])
    agent.withhold_acks = False
    await agent.recycle(1000, "Bye")
    await agent.until(lambda: len(agent.opens) == 2)
    assert control.resumes == [SESSION_ID]
    first, second = agent.opens
    assert second["TokenValue"] == "token-2" and second["ClientId"] == first["ClientId"]
    # On the new link the unacked message goes first, at once (not on its RTO), and the
    # numbering goes on after it.
    await until(lambda: channel.stats.reconnects == 1)
    await channel.send(b"after")
    await agent.until(lambda: len(agent.sequences_on(1)) >= 2)
    assert agent.sequences_on(1)[:2] == [1, 2]
    payloads = {m.sequence_number: m.payload for m in agent.inputs}
    assert payloads[1] == b"in flight" and payloads[2] == b"after"
    assert channel.stats.reconnects == 1 and channel.stats.resends >= 1
    await agent.send_output(b"still here")
    await until(lambda: sink.output == b"still here")
    await channel.close()


async def test_a_dropped_connection_resumes_too(agent: LoopbackAgent) -> None:
    channel, control, sink = await opened(agent)
    agent.drop()
    await agent.until(lambda: len(agent.opens) == 2)
    await agent.send_output(b"back")
    await until(lambda: sink.output == b"back")
    assert channel.stats.reconnects == 1 and control.resumes == [SESSION_ID]
    await channel.close()


async def test_reading_paused_between_links_stays_paused_on_the_new_one(
    agent: LoopbackAgent,
) -> None:
    channel, control, sink = await opened(agent)
    control.resume_gate = asyncio.Event()
    agent.drop()
    await until(lambda: control.resumes == [SESSION_ID])  # no link while it waits
    channel.pause_reading()
    control.resume_gate.set()
    await until(lambda: channel.stats.reconnects == 1)
    await agent.send_output(b"held back")
    await asyncio.sleep(0.2)
    assert sink.output == b""
    channel.resume_reading()
    await until(lambda: sink.output == b"held back")
    await channel.close()


async def test_transient_resume_failures_are_retried(agent: LoopbackAgent) -> None:
    channel, control, _ = await opened(agent)
    control.resume_answers = [OSError("network unreachable"), ConnectionResetError(), "t-3"]
    agent.drop()
    await agent.until(lambda: len(agent.opens) == 2, seconds=5)
    assert len(control.resumes) == 3 and agent.opens[1]["TokenValue"] == "t-3"
    assert not channel.is_closed
    await channel.close()


async def test_resume_refused_by_the_service_ends_the_session_with_its_error(
    agent: LoopbackAgent,
) -> None:
    channel, control, _ = await opened(agent)
    control.resume_answers = [SessionClosedError("The session was terminated.")]
    agent.drop()
    error = await asyncio.wait_for(channel.wait_closed(), 3)
    assert isinstance(error, SessionClosedError)
    assert str(error) == "The session was terminated."
    assert channel.is_closed and len(control.resumes) == 1


async def test_resume_without_a_token_means_the_session_timed_out(agent: LoopbackAgent) -> None:
    channel, control, _ = await opened(agent)
    control.resume_answers = [""]
    await agent.recycle()
    error = await asyncio.wait_for(channel.wait_closed(), 3)
    assert isinstance(error, ConnectionLostError)
    assert "timed out" in str(error)


async def test_resume_gives_up_when_its_budget_is_spent(agent: LoopbackAgent) -> None:
    channel, control, _ = await opened(agent, resume_budget_s=0.5)
    control.resume_answers = [OSError("unreachable")] * 20
    agent.drop()
    error = await asyncio.wait_for(channel.wait_closed(), 3)
    assert isinstance(error, ConnectionLostError)
    assert "could not resume within" in str(error) and "unreachable" in str(error)
    assert 2 <= len(control.resumes) < 10  # backed off, not spun


# --- ending -------------------------------------------------------------------------------------


async def test_close_flags_terminate_session_then_calls_the_api(agent: LoopbackAgent) -> None:
    channel, control, _ = await opened(agent)
    started = time.monotonic()
    await channel.close()
    assert time.monotonic() - started < 0.9  # channel_closed came: no wait for it
    assert agent.flags() == [Flag.TERMINATE_SESSION]
    assert control.terminations == [SESSION_ID]
    assert await channel.wait_closed() is None
    await channel.close()  # a second close does nothing
    assert control.terminations == [SESSION_ID]


async def test_close_without_terminate_leaves_the_session_to_the_service(
    agent: LoopbackAgent,
) -> None:
    channel, control, _ = await opened(agent)
    await channel.close(terminate=False)
    assert agent.flags() == [] and control.terminations == []
    assert await channel.wait_closed() is None


async def test_channel_closed_from_the_service_ends_the_session_with_its_reason(
    agent: LoopbackAgent,
) -> None:
    channel, control, _ = await opened(agent)
    await agent.end_session("Your session timed out due to inactivity.")
    error = await asyncio.wait_for(channel.wait_closed(), 3)
    assert isinstance(error, SessionEndedByServiceError)
    assert "Your session timed out due to inactivity." in str(error)
    assert SESSION_ID in str(error)
    await asyncio.sleep(0.2)
    assert control.resumes == []  # an ended session is not resumed


async def test_a_sender_waiting_for_the_window_is_released_when_the_session_ends(
    agent: LoopbackAgent,
) -> None:
    channel, _, _ = await opened(agent, window=2)
    agent.withhold_acks = True
    sending = asyncio.create_task(channel.send(bytes(4 * MAX_STREAM_PAYLOAD)))
    await agent.until(lambda: set(agent.input_sequences()) == {1, 2})
    await agent.end_session("ended")
    with pytest.raises(SessionEndedByServiceError):
        await asyncio.wait_for(sending, 3)
