"""MuxServer: the agent's smux v1 server over the PT1 byte stream (docs/protocol.md §7).

SYN dials the target (flag 3 ConnectToPortError + FIN on failure), PSH writes, FIN
half-closes the target, NOP is ignored. Target output goes back as PSH frames, and the
target closing sends FIN. Optional agent-side keepalive (§7, §8): a NOP every interval
and the smux session dies after `keepalive_timeout_s` without inbound frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from ssmgui.demo.channel.link import TargetLink, dial
from ssmgui.demo.channel.pump import OutputPump
from ssmgui.demo.faults import Faults
from ssmgui.ssm.message import Flag, PayloadType, flag_payload
from ssmgui.ssm.smux import Cmd, Frame, FrameReader, SmuxProtocolError, encode_data, encode_frame

log = logging.getLogger(__name__)

Resolve = Callable[[], tuple[str, int] | None]


class _Stream:
    """One smux stream: its target link, or the data waiting for the dial to finish."""

    __slots__ = ("fin_sent", "link", "peer_fin", "pending")

    def __init__(self) -> None:
        self.link: TargetLink | None = None
        self.pending: list[bytes] = []
        self.peer_fin = False
        self.fin_sent = False


class MuxServer:
    """Serves smux streams; `on_dead(reason)` is called once if the smux session dies."""

    def __init__(
        self,
        pump: OutputPump,
        resolve: Resolve,
        on_dead: Callable[[str], None],
        keepalive: tuple[float, float] | None,
        faults: Faults,
    ) -> None:
        self._pump = pump
        self._faults = faults
        self._resolve = resolve
        self._on_dead = on_dead
        self._reader = FrameReader()
        self._streams: dict[int, _Stream] = {}
        self._dials: set[asyncio.Task[None]] = set()
        self._paused = False
        self._dead = False
        self._keepalive = keepalive
        self._last_inbound = time.monotonic()
        self._last_nop = self._last_inbound
        self.streams_opened = 0
        self.dial_failures = 0

    def feed(self, data: bytes) -> None:
        if self._dead:
            return
        try:
            frames = self._reader.feed(data)
        except SmuxProtocolError as exc:
            self._die(f"smux protocol error: {exc}")
            return
        if frames:
            self._last_inbound = time.monotonic()
        for frame in frames:
            self._dispatch(frame)

    def _dispatch(self, frame: Frame) -> None:
        if frame.cmd == Cmd.SYN:
            self._open(frame.stream_id)
        elif frame.cmd == Cmd.PSH:
            self._write(frame.stream_id, frame.data)
        elif frame.cmd == Cmd.FIN:
            self._peer_fin(frame.stream_id)
        # NOP: nothing but the inbound timestamp above.

    def _open(self, stream_id: int) -> None:
        if stream_id in self._streams:
            return
        self.streams_opened += 1
        self._streams[stream_id] = _Stream()
        task = asyncio.get_running_loop().create_task(self._dial(stream_id))
        self._dials.add(task)
        task.add_done_callback(self._dials.discard)

    async def _dial(self, stream_id: int) -> None:
        link = await dial(
            self._resolve(),
            lambda data: self._output(stream_id, data),
            lambda: self._target_closed(stream_id),
            self._paused,
        )
        stream = self._streams.get(stream_id)
        if stream is None:
            if link is not None:
                link.close()
            return
        if link is None:
            self.dial_failures += 1
            self._pump.control(PayloadType.FLAG, flag_payload(Flag.CONNECT_TO_PORT_ERROR))
            self._send_fin(stream_id, stream)
            del self._streams[stream_id]
            return
        stream.link = link
        link.set_paused(self._paused)  # the flow may have changed while the dial was under way
        for data in stream.pending:
            link.write(data)
        stream.pending.clear()
        if stream.peer_fin:
            link.write_eof()

    def _output(self, stream_id: int, data: bytes) -> None:
        if self._faults.corrupt_smux:
            self._faults.corrupt_smux = False
            self._pump.write(b"\x52" + encode_data(stream_id, data)[1:])
            return
        self._pump.write(encode_data(stream_id, data))

    def _write(self, stream_id: int, data: bytes) -> None:
        stream = self._streams.get(stream_id)
        if stream is None:
            return
        if stream.link is None:
            stream.pending.append(data)
        else:
            stream.link.write(data)

    def _peer_fin(self, stream_id: int) -> None:
        stream = self._streams.get(stream_id)
        if stream is None or stream.peer_fin:
            return
        stream.peer_fin = True
        if stream.link is not None:
            stream.link.write_eof()

    def _target_closed(self, stream_id: int) -> None:
        stream = self._streams.pop(stream_id, None)
        if stream is not None:
            self._send_fin(stream_id, stream)

    def _send_fin(self, stream_id: int, stream: _Stream) -> None:
        if not stream.fin_sent:
            stream.fin_sent = True
            self._pump.write(encode_frame(Cmd.FIN, stream_id))

    def disconnect(self) -> None:
        """Flag 1 means nothing in mux mode."""

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        for stream in self._streams.values():
            if stream.link is not None:
                stream.link.set_paused(paused)

    def tick(self, now: float) -> None:
        """Keepalive duty, called about every 100 ms with time.monotonic()."""
        if self._keepalive is None or self._dead:
            return
        interval, timeout = self._keepalive
        if now - self._last_inbound > timeout:
            self._die("smux keepalive timeout")
            return
        if now - self._last_nop >= interval:
            self._last_nop = now
            self._pump.write(encode_frame(Cmd.NOP, 0))

    def _die(self, reason: str) -> None:
        log.info("smux session closed: %s", reason)
        self._dead = True
        self._close_links()
        self._on_dead(reason)

    def _close_links(self) -> None:
        for stream in self._streams.values():
            if stream.link is not None:
                stream.link.close()
        self._streams.clear()

    async def close(self) -> None:
        self._dead = True
        self._close_links()
        for task in list(self._dials):
            task.cancel()
        for task in list(self._dials):
            with contextlib.suppress(asyncio.CancelledError):
                await task
