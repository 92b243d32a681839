"""The local ends of a port session (ssmgui.ssm.forward, docs/protocol.md §7): real TCP
clients on 127.0.0.1 and real pipes, with the data channel replaced by `AgentEnd`, which
keeps what the forwarder sends and answers as the agent would."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from ssmgui.ssm.forward import (
    LOCAL_WRITE_HIGH_WATER,
    BasicForwarder,
    ForwardStats,
    MuxForwarder,
    StdioForwarder,
)
from ssmgui.ssm.message import Flag
from ssmgui.ssm.smux import Cmd, Frame, FrameReader, encode_data, encode_frame

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class AgentEnd:
    """A ByteChannel: what the forwarder sends (bytes, or smux frames in mux mode), the
    flags, and each pause and resume of reading."""

    sent: bytearray = field(default_factory=bytearray)
    flags: list[Flag] = field(default_factory=list)
    pauses: list[str] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def frames(self) -> list[Frame]:
        return FrameReader().feed(bytes(self.sent))

    async def send(self, data: bytes) -> None:
        self.sent += data
        self._changed.set()

    async def send_flag(self, flag: Flag) -> None:
        self.flags.append(flag)
        self._changed.set()

    def pause_reading(self) -> None:
        self.pauses.append("pause")

    def resume_reading(self) -> None:
        self.pauses.append("resume")

    async def until(self, condition: Callable[[], bool], seconds: float = 2.0) -> None:
        async with asyncio.timeout(seconds):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    def stream(self, stream_id: int) -> list[tuple[Cmd, bytes]]:
        return [(f.cmd, f.data) for f in self.frames if f.stream_id == stream_id]

    def data_of(self, stream_id: int) -> bytes:
        return b"".join(data for cmd, data in self.stream(stream_id) if cmd is Cmd.PSH)


@asynccontextmanager
async def listening(serve: Serve, send_buffer: int | None = None) -> AsyncIterator[int]:
    """A listener on 127.0.0.1 handing each connection to `serve`; its port.
    `send_buffer` shrinks the kernel's send buffer of each accepted socket."""

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if send_buffer is not None:
            sock = writer.transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
        await serve(reader, writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def read_eof(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.read(), 2)


def mux() -> tuple[MuxForwarder, AgentEnd, ForwardStats, list[str]]:
    agent, stats, errors = AgentEnd(), ForwardStats(), list[str]()
    return MuxForwarder(agent, stats, errors.append), agent, stats, errors


# --- mux: one smux stream per local connection --------------------------------------------


async def test_a_connection_opens_a_stream_at_once_and_its_bytes_go_both_ways() -> None:
    forwarder, agent, stats, _ = mux()
    async with listening(forwarder.serve) as port:
        reader, writer = await connect(port)
        # SYN before any client byte: with SSH the server speaks first.
        await agent.until(lambda: agent.stream(3) == [(Cmd.SYN, b"")])
        writer.write(b"ping from the client")
        await agent.until(lambda: agent.data_of(3) == b"ping from the client")
        forwarder.on_output(encode_frame(Cmd.PSH, 3, b"pong from the target"))
        assert await reader.readexactly(20) == b"pong from the target"
        assert (stats.bytes_from_clients, stats.bytes_to_clients) == (20, 20)
        assert (stats.open_connections, stats.total_connections) == (1, 1)
        writer.close()
        await agent.until(lambda: agent.stream(3)[-1] == (Cmd.FIN, b""))
        assert stats.open_connections == 0


async def test_connections_get_odd_stream_ids_from_3_and_stay_apart() -> None:
    forwarder, agent, stats, _ = mux()
    async with listening(forwarder.serve) as port:
        first, second = await connect(port), await connect(port)
        await agent.until(lambda: [f.stream_id for f in agent.frames] == [3, 5])
        second[1].write(b"to five")
        first[1].write(b"to three")
        await agent.until(
            lambda: agent.data_of(3) == b"to three" and agent.data_of(5) == b"to five"
        )
        forwarder.on_output(encode_frame(Cmd.PSH, 5, b"five") + encode_frame(Cmd.PSH, 3, b"three"))
        assert await first[0].readexactly(5) == b"three"
        assert await second[0].readexactly(4) == b"five"
        assert stats.total_connections == 2
        for _, writer in (first, second):
            writer.close()


async def test_smux_frames_cut_anywhere_by_the_channel_still_arrive_whole() -> None:
    forwarder, agent, _, _ = mux()
    async with listening(forwarder.serve) as port:
        reader, writer = await connect(port)
        await agent.until(lambda: bool(agent.frames))
        payload = os.urandom(100_000)
        stream = encode_data(3, payload)
        for start in range(0, len(stream), 1000):  # ≤1 KiB messages, as the agent sends
            forwarder.on_output(stream[start : start + 1000])
        assert await reader.readexactly(len(payload)) == payload
        writer.close()


async def test_large_client_writes_are_cut_into_smux_frames() -> None:
    forwarder, agent, _, _ = mux()
    async with listening(forwarder.serve) as port:
        _, writer = await connect(port)
        payload = os.urandom(200_000)
        writer.write(payload)
        await agent.until(lambda: len(agent.data_of(3)) == len(payload))
        assert agent.data_of(3) == payload
        assert max(len(f.data) for f in agent.frames) <= 32768
        writer.close()


async def test_a_fin_from_the_agent_closes_the_local_connection_without_an_echo() -> None:
    forwarder, agent, stats, _ = mux()
    async with listening(forwarder.serve) as port:
        reader, writer = await connect(port)
        await agent.until(lambda: bool(agent.frames))
        forwarder.on_output(encode_frame(Cmd.PSH, 3, b"last words") + encode_frame(Cmd.FIN, 3))
        assert await read_eof(reader) == b"last words"
        forwarder.on_output(encode_frame(Cmd.PSH, 3, b"too late"))  # ignored
        await agent.until(lambda: stats.open_connections == 0)
        await asyncio.sleep(0.05)
        assert agent.stream(3) == [(Cmd.SYN, b"")]  # the stream is gone: no FIN back
        writer.close()


async def test_a_half_close_from_the_client_ends_the_stream_both_ways() -> None:
    """smux v1 has no half-close: EOF from the client sends FIN and closes the connection,
    as the plugin does."""
    forwarder, agent, _, _ = mux()
    async with listening(forwarder.serve) as port:
        reader, writer = await connect(port)
        writer.write(b"request")
        writer.write_eof()
        await agent.until(lambda: agent.stream(3) == [
            (Cmd.SYN, b""), (Cmd.PSH, b"request"), (Cmd.FIN, b"")
        ])  # fmt: skip
        assert await read_eof(reader) == b""
        writer.close()


async def test_a_reset_from_the_client_ends_its_stream_with_a_fin() -> None:
    forwarder, agent, stats, _ = mux()
    async with listening(forwarder.serve) as port:
        client = socket.create_connection(("127.0.0.1", port))
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await agent.until(lambda: bool(agent.frames))
        client.close()  # linger 0: a reset, not a FIN
        await agent.until(lambda: agent.stream(3) == [(Cmd.SYN, b""), (Cmd.FIN, b"")])
        await agent.until(lambda: stats.open_connections == 0)


async def test_data_for_an_unknown_stream_is_dropped() -> None:
    forwarder, agent, stats, _ = mux()
    forwarder.on_output(encode_frame(Cmd.PSH, 99, b"nobody") + encode_frame(Cmd.FIN, 99))
    assert stats.bytes_to_clients == 0
    assert agent.frames == []


async def test_a_connect_to_port_error_flag_is_counted_and_reported() -> None:
    forwarder, _, stats, errors = mux()
    forwarder.on_flag(Flag.DISCONNECT_TO_PORT)  # not an error in mux mode
    forwarder.on_flag(Flag.CONNECT_TO_PORT_ERROR)
    assert (stats.target_errors, errors) == (1, ["connect_to_port_error"])


async def test_close_all_closes_every_local_connection() -> None:
    forwarder, agent, _, _ = mux()
    async with listening(forwarder.serve) as port:
        clients = [await connect(port) for _ in range(3)]
        await agent.until(lambda: len(agent.frames) == 3)
        forwarder.close_all()
        for reader, writer in clients:
            assert await read_eof(reader) == b""
            writer.close()


async def test_a_client_slow_to_read_pauses_the_channel_until_it_catches_up() -> None:
    forwarder, agent, _, _ = mux()
    async with listening(forwarder.serve, send_buffer=4096) as port:
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.connect(("127.0.0.1", port))
        await agent.until(lambda: bool(agent.frames))
        total = 4 * LOCAL_WRITE_HIGH_WATER
        chunk = b"x" * 32768
        for _ in range(total // len(chunk)):
            forwarder.on_output(encode_frame(Cmd.PSH, 3, chunk))
        assert agent.pauses == ["pause"]  # once, however many writes followed
        received = await asyncio.to_thread(_read_exactly, client, total)
        assert received == total
        await agent.until(lambda: agent.pauses == ["pause", "resume"])
        client.close()


def _read_exactly(client: socket.socket, count: int) -> int:
    received = 0
    while received < count:
        data = client.recv(1 << 16)
        assert data, "closed early"
        received += len(data)
    return received


# --- basic: one connection at a time --------------------------------------------------------


async def test_basic_mode_serves_one_connection_at_a_time_and_flags_each_end() -> None:
    agent, stats = AgentEnd(), ForwardStats()
    forwarder = BasicForwarder(agent, stats)
    async with listening(forwarder.serve) as port:
        first_reader, first = await connect(port)
        first.write(b"one")
        await agent.until(lambda: agent.sent == b"one")
        forwarder.on_output(b"reply one")
        assert await first_reader.readexactly(9) == b"reply one"

        second_reader, second = await connect(port)
        second.write(b"two")
        await asyncio.sleep(0.1)
        assert agent.sent == b"one"  # waits its turn
        first.close()
        await agent.until(lambda: agent.sent == b"onetwo")
        assert agent.flags == [Flag.DISCONNECT_TO_PORT]
        forwarder.on_output(b"reply two")
        assert await second_reader.readexactly(9) == b"reply two"
        second.close()
        await agent.until(lambda: agent.flags == [Flag.DISCONNECT_TO_PORT] * 2)
    assert (stats.bytes_from_clients, stats.bytes_to_clients) == (6, 18)
    assert (stats.open_connections, stats.total_connections) == (0, 2)


async def test_basic_mode_drops_output_while_no_connection_is_open() -> None:
    agent, stats = AgentEnd(), ForwardStats()
    forwarder = BasicForwarder(agent, stats)
    forwarder.on_output(b"to nobody")
    forwarder.on_flag(Flag.CONNECT_TO_PORT_ERROR)  # logged only
    assert stats.bytes_to_clients == 0


async def test_basic_mode_close_all_closes_the_open_connection() -> None:
    agent = AgentEnd()
    forwarder = BasicForwarder(agent, ForwardStats())
    async with listening(forwarder.serve) as port:
        reader, writer = await connect(port)
        writer.write(b"x")
        await agent.until(lambda: agent.sent == b"x")
        forwarder.close_all()
        assert await read_eof(reader) == b""
        writer.close()


# --- standard streams -----------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="pipes as asyncio transports: POSIX only")
async def test_stdio_carries_stdin_to_the_channel_and_output_to_stdout() -> None:
    agent, stats = AgentEnd(), ForwardStats()
    stdin_read, stdin_write = os.pipe()
    stdout_read, stdout_write = os.pipe()
    forwarder = StdioForwarder(agent, stats, stdin_read, stdout_write)
    pump_in = asyncio.create_task(forwarder.pump_input())
    pump_out = asyncio.create_task(forwarder.pump_output())
    try:
        os.write(stdin_write, b"SSH-2.0-client\r\n")
        await agent.until(lambda: agent.sent == b"SSH-2.0-client\r\n")
        forwarder.on_output(b"SSH-2.0-server\r\n")
        assert await asyncio.to_thread(os.read, stdout_read, 100) == b"SSH-2.0-server\r\n"
        os.close(stdin_write)  # the SSH client exited
        await asyncio.wait_for(pump_in, 2)
        forwarder.close_all()
        await asyncio.wait_for(pump_out, 2)
        assert (stats.bytes_from_clients, stats.bytes_to_clients) == (16, 16)
    finally:
        pump_in.cancel()
        pump_out.cancel()
        for fd in (stdin_read, stdout_read, stdout_write):
            os.close(fd)
