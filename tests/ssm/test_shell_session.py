"""`run_shell_session` against the scripted peer (tests/ssm/loopback_agent.py), with the
local side on real pipes and a real pty: stdout and stderr kept apart, the agent's exit
code, keystrokes as PT1, piped input ending with Ctrl-D, and Size messages at the start
and after SIGWINCH (docs/protocol.md §14)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import termios
from collections.abc import AsyncIterator, Iterator

import pytest

from ssmgui.core.errors import ProtocolError, SessionClosedError
from ssmgui.ssm.channel import ChannelOptions
from ssmgui.ssm.message import PayloadType
from ssmgui.ssm.shell import ShellEnd, run_shell_session
from ssmgui.ssm.terminal import PosixTerminal
from tests.cli.shell_pty import set_size
from tests.ssm.loopback_agent import Control, LoopbackAgent


@pytest.fixture
async def agent() -> AsyncIterator[LoopbackAgent]:
    peer = await LoopbackAgent(session_type="Standard_Stream").start()
    yield peer
    await peer.stop()


@contextlib.contextmanager
def pipes() -> Iterator[tuple[int, int, int, int, int, int]]:
    """(stdin's read end, its write end, stdout r, w, stderr r, w)."""
    ends = [*os.pipe(), *os.pipe(), *os.pipe()]
    try:
        yield ends[0], ends[1], ends[2], ends[3], ends[4], ends[5]
    finally:
        for fd in ends:
            with contextlib.suppress(OSError):
                os.close(fd)


def options(agent: LoopbackAgent) -> ChannelOptions:
    return ChannelOptions(
        allowed_hosts=frozenset({agent.host}), handshake_timeout_s=3.0, ping_interval_s=None
    )


def read_all(fd: int) -> bytes:
    os.set_blocking(fd, False)
    chunks = []
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    return b"".join(chunks)


async def test_stdout_stderr_and_the_exit_code_are_kept_apart(agent: LoopbackAgent) -> None:
    with pipes() as (in_r, in_w, out_r, out_w, err_r, err_w):
        terminal = PosixTerminal(in_r, out_w, err_w)
        session = asyncio.ensure_future(
            run_shell_session(agent.endpoint(), Control(agent), terminal, options=options(agent))
        )
        await agent.until(lambda: agent.input_sequences(PayloadType.HANDSHAKE_RESPONSE) != [])
        os.write(in_w, "ls -l é\n".encode())
        await agent.until(lambda: b"".join(m.payload for m in agent.inputs).endswith(b"\n"))
        await agent.send_output(b"to stdout\r\n")
        await agent.send_output(b"to stderr\r\n", PayloadType.STDERR)
        await agent.send_output(b"EXIT_CODE: 9", PayloadType.EXIT_CODE)
        await agent.end_session("")
        end = await asyncio.wait_for(session, 5)
        assert read_all(out_r) == b"to stdout\r\n"
        assert read_all(err_r) == b"hello\r\nto stderr\r\n"  # HandshakeComplete's message first
    assert end.status == 9
    assert end.by_service
    typed = [m.payload for m in agent.inputs if m.payload_type == PayloadType.OUTPUT]
    assert b"".join(typed) == "ls -l é\n".encode()
    assert agent.input_sequences(PayloadType.SIZE) == []  # a pipe has no size


async def test_piped_input_that_ends_sends_ctrl_d_and_waits_for_the_shell(
    agent: LoopbackAgent,
) -> None:
    with pipes() as (in_r, in_w, _out_r, out_w, _err_r, err_w):
        terminal = PosixTerminal(in_r, out_w, err_w)
        session = asyncio.ensure_future(
            run_shell_session(agent.endpoint(), Control(agent), terminal, options=options(agent))
        )
        os.write(in_w, b"exit\n")
        os.close(in_w)
        await agent.until(lambda: any(m.payload == b"\x04" for m in agent.inputs))
        assert not session.done()  # the remote shell decides when it is over
        await agent.end_session("")
        end = await asyncio.wait_for(session, 5)
    assert end == ShellEnd(0, f"Session Manager ended session {agent.endpoint().session_id}.", True)


async def test_the_size_goes_up_at_the_start_and_after_sigwinch(agent: LoopbackAgent) -> None:
    leader, follower = os.openpty()
    try:
        set_size(leader, 120, 40)
        settings = termios.tcgetattr(follower)
        terminal = PosixTerminal(follower, follower, follower)
        session = asyncio.ensure_future(
            run_shell_session(agent.endpoint(), Control(agent), terminal, options=options(agent))
        )

        def sizes() -> list[dict[str, int]]:
            return [json.loads(m.payload) for m in agent.inputs if m.payload_type == 3]

        await agent.until(lambda: len(sizes()) == 1)
        set_size(leader, 90, 20)
        os.kill(os.getpid(), signal.SIGWINCH)  # as the kernel does for the foreground job
        await agent.until(lambda: len(sizes()) == 2)
        assert sizes() == [{"cols": 120, "rows": 40}, {"cols": 90, "rows": 20}]
        os.write(leader, b"\x03")  # raw mode: Ctrl-C is a byte for the far side
        await agent.until(lambda: any(m.payload == b"\x03" for m in agent.inputs))
        await agent.end_session("Your session timed out due to inactivity.")
        end = await asyncio.wait_for(session, 5)
        assert "timed out due to inactivity" in end.message
        assert termios.tcgetattr(follower) == settings  # out of raw mode again
        assert os.get_blocking(follower)  # asyncio's non-blocking mode undone
    finally:
        os.close(leader)
        os.close(follower)


async def test_a_port_agent_is_refused_before_the_terminal_is_touched() -> None:
    agent = await LoopbackAgent(session_type="Port").start()
    try:
        with pipes() as (in_r, _in_w, _out_r, out_w, _err_r, err_w):
            terminal = PosixTerminal(in_r, out_w, err_w)
            with pytest.raises(ProtocolError, match="not a shell"):
                await run_shell_session(
                    agent.endpoint(), Control(agent), terminal, options=options(agent)
                )
    finally:
        await agent.stop()


async def test_a_dropped_link_that_cannot_resume_restores_the_terminal(
    agent: LoopbackAgent,
) -> None:
    leader, follower = os.openpty()
    try:
        settings = termios.tcgetattr(follower)
        control = Control(agent, resume_answers=[SessionClosedError("The session is gone.")])
        session = asyncio.ensure_future(
            run_shell_session(
                agent.endpoint(),
                control,
                PosixTerminal(follower, follower, follower),
                options=options(agent),
            )
        )
        async with asyncio.timeout(3):  # raw mode is on once the handshake is complete
            while termios.tcgetattr(follower) == settings:
                await asyncio.sleep(0.01)
        agent.drop()  # no close frame: the link is simply gone
        with pytest.raises(SessionClosedError, match="The session is gone"):
            await asyncio.wait_for(session, 5)
        assert termios.tcgetattr(follower) == settings
        assert os.get_blocking(follower)
    finally:
        os.close(leader)
        os.close(follower)


async def test_a_terminal_that_hangs_up_ends_the_session_without_an_error(
    agent: LoopbackAgent,
) -> None:
    leader, follower = os.openpty()
    set_size(leader, 80, 24)
    control = Control(agent)
    try:
        session = asyncio.ensure_future(
            run_shell_session(
                agent.endpoint(),
                control,
                PosixTerminal(follower, follower, follower),
                options=options(agent),
            )
        )
        await agent.until(lambda: agent.input_sequences(PayloadType.SIZE) != [])
        os.close(leader)  # the terminal window closed: reads end (EIO)
        leader = -1
        end = await asyncio.wait_for(session, 5)
    finally:
        if leader >= 0:
            os.close(leader)
        os.close(follower)
    assert end == ShellEnd(0, "")  # not "stopped": nobody asked for it
    assert control.terminations == [agent.endpoint().session_id]  # ended on the service too
