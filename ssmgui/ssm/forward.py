"""The local ends of a port session (docs/protocol.md §7).

- mux: every accepted TCP connection is one smux v1 stream (odd ids from 3, like the
  plugin), many at once;
- basic: raw bytes of one connection at a time, flag DisconnectToPort when it ends (agents
  at or below 3.0.196.0);
- standard stream: stdin/stdout, for `AWS-StartSSHSession` as an SSH ProxyCommand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from ssmgui.core.errors import ProtocolError
from ssmgui.ssm.message import Flag
from ssmgui.ssm.smux import (
    FIRST_CLIENT_STREAM_ID,
    MAX_FRAME_DATA,
    Cmd,
    FrameReader,
    SmuxProtocolError,
    encode_frame,
)

log = logging.getLogger(__name__)

READ_SIZE = MAX_FRAME_DATA
LOCAL_WRITE_HIGH_WATER = 1 << 20


class ByteChannel(Protocol):
    """What a forwarder needs from the data channel."""

    async def send(self, data: bytes) -> None: ...

    async def send_flag(self, flag: Flag) -> None: ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


@dataclass
class ForwardStats:
    bytes_from_clients: int = 0
    bytes_to_clients: int = 0
    open_connections: int = 0
    total_connections: int = 0
    target_errors: int = 0


TargetErrorHandler = Callable[[str], None]


class _Backpressure:
    """Pause the data channel while any local client is slow to read what we write."""

    def __init__(self, channel: ByteChannel) -> None:
        self._channel = channel
        self._congested: set[asyncio.StreamWriter] = set()

    def wrote(self, writer: asyncio.StreamWriter) -> None:
        if writer in self._congested:
            return
        if writer.transport.get_write_buffer_size() > LOCAL_WRITE_HIGH_WATER:
            self._congested.add(writer)
            if len(self._congested) == 1:
                self._channel.pause_reading()
            asyncio.get_running_loop().create_task(self._drained(writer))

    async def _drained(self, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        self._congested.discard(writer)
        if not self._congested:
            self._channel.resume_reading()


class MuxForwarder:
    def __init__(
        self, channel: ByteChannel, stats: ForwardStats, on_target_error: TargetErrorHandler
    ) -> None:
        self._channel = channel
        self._stats = stats
        self._on_target_error = on_target_error
        self._frames = FrameReader()
        self._streams: dict[int, asyncio.StreamWriter] = {}
        self._next_id = FIRST_CLIENT_STREAM_ID
        self._backpressure = _Backpressure(channel)
        self._broken = False

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stream_id = self._next_id
        self._next_id += 2
        self._streams[stream_id] = writer
        self._stats.open_connections += 1
        self._stats.total_connections += 1
        try:
            await self._pump_up(stream_id, reader)
        except ConnectionError as exc:
            log.debug("stream %d: local connection error %s", stream_id, exc)
        finally:
            self._stats.open_connections -= 1
            if self._streams.pop(stream_id, None) is not None:
                await self._send_quietly(encode_frame(Cmd.FIN, stream_id))
            writer.close()

    async def _pump_up(self, stream_id: int, reader: asyncio.StreamReader) -> None:
        # SYN at once: with SSH the server speaks first, so no client data may ever come.
        await self._channel.send(encode_frame(Cmd.SYN, stream_id))
        while data := await reader.read(READ_SIZE):
            self._stats.bytes_from_clients += len(data)
            await self._channel.send(encode_frame(Cmd.PSH, stream_id, data))
            if stream_id not in self._streams:  # the agent closed the stream
                return

    async def _send_quietly(self, data: bytes) -> None:
        try:
            await self._channel.send(data)
        except Exception as exc:  # the channel's own end reports why it closed
            log.debug("could not send to a closed channel: %s", exc)

    def on_output(self, data: bytes) -> None:
        """Hand each complete frame to its local connection.

        Raises `ProtocolError` when the agent's smux stream cannot be parsed: every local
        connection is closed then, and later output is ignored (the stream cannot recover).
        """
        if self._broken:
            return
        try:
            frames = self._frames.feed(data)
        except SmuxProtocolError as exc:
            self._broken = True
            self.close_all()
            raise ProtocolError(
                f"The instance's agent sent a multiplexed stream ssmgui cannot read ({exc}), "
                "so the tunnel was closed. Open it again to start a new session."
            ) from None
        for frame in frames:
            writer = self._streams.get(frame.stream_id)
            if writer is None:
                continue
            if frame.cmd is Cmd.PSH:
                self._stats.bytes_to_clients += len(frame.data)
                writer.write(frame.data)
                self._backpressure.wrote(writer)
            elif frame.cmd is Cmd.FIN:
                del self._streams[frame.stream_id]
                writer.close()

    def on_flag(self, flag: int) -> None:
        if flag == Flag.CONNECT_TO_PORT_ERROR:
            self._stats.target_errors += 1
            self._on_target_error("connect_to_port_error")

    def close_all(self) -> None:
        for writer in self._streams.values():
            writer.close()
        self._streams.clear()


class BasicForwarder:
    """One local connection at a time; others wait their turn, as with the plugin."""

    def __init__(self, channel: ByteChannel, stats: ForwardStats) -> None:
        self._channel = channel
        self._stats = stats
        self._turn = asyncio.Lock()
        self._writer: asyncio.StreamWriter | None = None
        self._backpressure = _Backpressure(channel)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with self._turn:
            self._writer = writer
            self._stats.open_connections += 1
            self._stats.total_connections += 1
            try:
                while data := await reader.read(READ_SIZE):
                    self._stats.bytes_from_clients += len(data)
                    await self._channel.send(data)
            except ConnectionError as exc:
                log.debug("local connection error %s", exc)
            finally:
                self._writer = None
                self._stats.open_connections -= 1
                writer.close()
                await self._channel.send_flag(Flag.DISCONNECT_TO_PORT)

    def on_output(self, data: bytes) -> None:
        if self._writer is None:
            log.debug("dropped %d bytes: no local connection (basic mode)", len(data))
            return
        self._stats.bytes_to_clients += len(data)
        self._writer.write(data)
        self._backpressure.wrote(self._writer)

    def on_flag(self, flag: int) -> None:
        log.debug("flag %d in basic mode", flag)

    def close_all(self) -> None:
        if self._writer is not None:
            self._writer.close()


class StdioForwarder:
    """stdin → session, session → stdout (raw bytes; the agent is in basic mode, §7).

    On POSIX the descriptors become non-blocking asyncio pipe transports, so a session that
    ends while stdin is still open does not leave a thread blocked in read(). Elsewhere
    (Windows consoles and pipes) worker threads carry the reads and writes.
    """

    def __init__(self, channel: ByteChannel, stats: ForwardStats, in_fd: int, out_fd: int) -> None:
        self._channel = channel
        self._stats = stats
        self._in_fd = in_fd
        self._out_fd = out_fd
        self._output: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def pump_input(self) -> None:
        """Until stdin ends (the SSH client exited)."""
        read, close = await _pipe_reader(self._in_fd)
        try:
            while data := await read():
                self._stats.bytes_from_clients += len(data)
                await self._channel.send(data)
        finally:
            close()

    async def pump_output(self) -> None:
        write, close = await _pipe_writer(self._out_fd)
        try:
            while (data := await self._output.get()) is not None:
                await write(data)
        finally:
            close()

    def on_output(self, data: bytes) -> None:
        self._stats.bytes_to_clients += len(data)
        self._output.put_nowait(data)

    def on_flag(self, flag: int) -> None:
        log.debug("flag %d in standard-stream mode", flag)

    def close_all(self) -> None:
        self._output.put_nowait(None)


def _nothing() -> None:
    pass


# The descriptors stay open (closefd=False): they belong to whoever handed them over — this
# process's stdin/stdout, or a proxy's, lent to the warm helper (ssmgui/broker/). The
# transports are closed when the pumps end, so a long-lived process leaves no reader
# registered on a descriptor number that is about to be reused.


async def _pipe_reader(fd: int) -> tuple[Callable[[], Awaitable[bytes]], Callable[[], None]]:
    """(read, close) for `fd`."""
    if os.name != "posix":
        return (lambda: asyncio.to_thread(os.read, fd, READ_SIZE)), _nothing
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    pipe = os.fdopen(fd, "rb", buffering=0, closefd=False)
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    return (lambda: reader.read(READ_SIZE)), transport.close


async def _pipe_writer(fd: int) -> tuple[Callable[[bytes], Awaitable[None]], Callable[[], None]]:
    """(write, close) for `fd`; close lets what was written drain first."""
    if os.name != "posix":
        return (lambda data: _write_all_in_thread(fd, data)), _nothing
    loop = asyncio.get_running_loop()
    pipe = os.fdopen(fd, "wb", buffering=0, closefd=False)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, pipe)
    writer = asyncio.StreamWriter(transport, protocol, None, loop)

    async def write(data: bytes) -> None:
        writer.write(data)
        await writer.drain()

    return write, transport.close


async def _write_all_in_thread(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = await asyncio.to_thread(os.write, fd, view)
        view = view[written:]
