"""A shell session on the user's terminal: Standard_Stream and InteractiveCommands
documents (docs/protocol.md §14).

The data channel is the port sessions' (`DataChannel`: reliability, resume after a drop or
the hourly recycle); only the payloads differ. Keystrokes go up as PT1 Output exactly as
read, the terminal's size as PT3 Size at the start and on every change; PT1 from the agent
goes to stdout, PT11 StdErr to stderr, and PT12 ExitCode ("EXIT_CODE: n") becomes the
status the session ends with. A `channel_closed` is the normal end of a shell (the agent
asks the service for it when the shell exits) and is reported with the service's reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from typing import Any

from ssmgui.core.errors import SessionEndedByServiceError, SsmGuiError
from ssmgui.ssm.channel import ChannelOptions, DataChannel, SessionControl, StreamEndpoint
from ssmgui.ssm.handshake import SHELL_SESSION_TYPES
from ssmgui.ssm.message import PayloadType
from ssmgui.ssm.terminal import LocalTerminal, Read, Size, Write

log = logging.getLogger(__name__)

EOT = b"\x04"  # piped input ended: Ctrl-D to the remote shell, so it ends as its input did
OUTPUT_HIGH_WATER = 1 << 20  # queued output bytes before the channel stops reading
DRAIN_TIMEOUT_S = 10.0
STOPPED_STATUS = 130  # SIGTERM, SIGHUP: as an interrupted command

_EXIT_CODE = re.compile(rb"EXIT_CODE:\s*(-?\d+)")


def parse_exit_code(payload: bytes) -> int | None:
    """The status in a PT12 payload ("EXIT_CODE: 3"), or None if it holds none."""
    match = _EXIT_CODE.search(payload)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class ShellEnd:
    """How a shell session ended: the status for this process, and a line for the user
    (printed once the terminal is restored; empty when there is nothing to say)."""

    status: int
    message: str = ""
    by_service: bool = False  # channel_closed: no TerminateSession was needed


class _Output:
    """One local stream (stdout or stderr), written in arrival order by its own task."""

    def __init__(self, write: Write, on_backlog: _Backlog) -> None:
        self._write = write
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._backlog = on_backlog
        self._task = asyncio.get_running_loop().create_task(self._pump())

    def put(self, data: bytes) -> None:
        self._backlog.add(len(data))
        self._queue.put_nowait(data)

    async def _pump(self) -> None:
        while (data := await self._queue.get()) is not None:
            try:
                await self._write(data)
            except OSError as exc:  # the terminal went away: nobody left to show it to
                log.debug("local output failed: %s", exc)
            finally:
                self._backlog.add(-len(data))

    async def finish(self) -> None:
        """Write what is queued, then stop (at most DRAIN_TIMEOUT_S)."""
        self._queue.put_nowait(None)
        try:
            async with asyncio.timeout(DRAIN_TIMEOUT_S):
                await self._task
        except TimeoutError:
            self._task.cancel()


class _Backlog:
    """Stop reading the data channel while the local terminal lags far behind."""

    def __init__(self, channel: DataChannel) -> None:
        self._channel = channel
        self._bytes = 0
        self._paused = False

    def add(self, count: int) -> None:
        self._bytes += count
        if not self._paused and self._bytes > OUTPUT_HIGH_WATER:
            self._paused = True
            self._channel.pause_reading()
        elif self._paused and self._bytes <= OUTPUT_HIGH_WATER // 2:
            self._paused = False
            self._channel.resume_reading()


class ShellSink:
    """The channel's sink for a shell: Output to stdout, StdErr to stderr, the exit code."""

    def __init__(self, stdout: _Output, stderr: _Output) -> None:
        self._stdout = stdout
        self._stderr = stderr
        self.exit_code: int | None = None

    def on_output(self, data: bytes) -> None:
        self._stdout.put(data)

    def on_shell_payload(self, payload_type: PayloadType, payload: bytes) -> None:
        if payload_type == PayloadType.STDERR:
            self._stderr.put(payload)
        elif payload_type == PayloadType.EXIT_CODE:
            self.exit_code = parse_exit_code(payload)
            log.debug("the agent reports exit code %s", self.exit_code)

    def on_flag(self, flag: int) -> None:
        log.debug("flag %d in a shell session", flag)

    async def finish(self) -> None:
        await self._stdout.finish()
        await self._stderr.finish()


async def run_shell_session(
    endpoint: StreamEndpoint,
    control: SessionControl,
    terminal: LocalTerminal,
    *,
    options: ChannelOptions | None = None,
    stop: asyncio.Event | None = None,
) -> ShellEnd:
    """Run the shell until it ends, `stop` is set or the terminal hangs up.

    The terminal is in raw mode from the end of the handshake and restored before this
    returns or raises, on every path. The session is terminated in every case. Raises the
    channel's SsmGuiError when the session failed (not resumable, refused, broken).
    """
    channel = DataChannel(
        endpoint, control, replace(options or ChannelOptions(), session_types=SHELL_SESSION_TYPES)
    )
    handshake = await channel.open()
    try:
        terminal.enter()
        return await _serve(channel, terminal, handshake.customer_message, stop)
    finally:
        terminal.restore()


async def _serve(
    channel: DataChannel, terminal: LocalTerminal, note: str, stop: asyncio.Event | None
) -> ShellEnd:
    read, write_out, write_err = await terminal.open()
    backlog = _Backlog(channel)
    sink = ShellSink(_Output(write_out, backlog), _Output(write_err, backlog))
    if note:
        sink.on_shell_payload(PayloadType.STDERR, (note.rstrip() + "\r\n").encode())
    channel.set_sink(sink)
    sizes = _SizeSender(channel)
    initial = terminal.size()
    if initial is not None:
        sizes.send(initial)
    terminal.watch_size(sizes.send)
    loop = asyncio.get_running_loop()
    typing = loop.create_task(_pump_input(channel, read, terminal.is_terminal))
    closed = loop.create_task(channel.wait_closed())
    stopped = loop.create_task((stop or asyncio.Event()).wait())
    was_stopped = False
    try:
        await asyncio.wait({typing, closed, stopped}, return_when=asyncio.FIRST_COMPLETED)
        was_stopped = stopped.done()  # before the cancelling below makes it "done" too
        if typing.done() and not typing.cancelled() and typing.exception() is not None:
            log.debug("input ended: %s", typing.exception())
    finally:
        for task in (typing, stopped):
            task.cancel()
        sizes.cancel()
        await channel.close(reason="shell ended")
        await sink.finish()
    return _outcome(channel, await channel.wait_closed(), sink.exit_code, was_stopped)


def _outcome(
    channel: DataChannel, error: SsmGuiError | None, exit_code: int | None, stopped: bool
) -> ShellEnd:
    if isinstance(error, SessionEndedByServiceError):
        status = exit_code if exit_code is not None else 0
        return ShellEnd(status, error.user_message, by_service=True)
    if error is not None:
        raise error
    if stopped:
        return ShellEnd(STOPPED_STATUS, f"Session {channel.session_id} stopped.")
    return ShellEnd(exit_code if exit_code is not None else 0, "")


async def _pump_input(channel: DataChannel, read: Read, interactive: bool) -> None:
    """Every byte as read, until the input ends. Piped input that ends sends Ctrl-D and
    keeps the session until the remote shell ends it; a terminal that hangs up ends it."""
    while data := await read():
        await channel.send(data)
    if interactive:
        return
    await channel.send(EOT)
    await asyncio.Event().wait()  # cancelled when the session ends


class _SizeSender:
    """Size messages in order, the latest winning: a burst of SIGWINCH sends the last."""

    def __init__(self, channel: DataChannel) -> None:
        self._channel = channel
        self._latest: Size | None = None
        self._sent: Size | None = None
        self._task: asyncio.Task[None] | None = None

    def send(self, size: Size) -> None:
        self._latest = size
        if self._task is None or self._task.done():
            self._task = _spawn(self._flush())

    async def _flush(self) -> None:
        while self._latest is not None and self._latest != self._sent:
            size = self._latest
            with contextlib.suppress(SsmGuiError):  # the session ended: its end says why
                await self._channel.send_size(*size)
            self._sent = size

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()


def _spawn(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    return asyncio.get_running_loop().create_task(coro)
