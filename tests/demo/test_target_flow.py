"""The fake agent's backpressure towards its targets (docs/protocol.md §5, §11): a target
dialled while reading was paused must follow the flow once the dial completes.

The fake stops reading its targets while its WebSocket is write-blocked, and resumes after.
A resume that lands while a dial is still under way found no link to resume; the new target
stayed paused until the next pause and resume, and under a steady load that never came, so a
digest answer sat unread and the upload waited for ever.
"""

from __future__ import annotations

import asyncio

from ssmgui.demo.channel.agent_basic import BasicForwarder
from ssmgui.demo.channel.agent_mux import MuxServer
from ssmgui.demo.channel.pump import OutputPump
from ssmgui.demo.faults import Faults
from ssmgui.demo.servers.targets import EchoServer
from ssmgui.ssm.message import PayloadType
from ssmgui.ssm.smux import Cmd, FrameReader, encode_data, encode_frame


class Output:
    """What the agent emits, as one byte stream of PT1 payloads."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.arrived = asyncio.Event()

    def emit(self, payload_type: int, payload: bytes) -> None:
        if payload_type == PayloadType.OUTPUT:
            self.data += payload
            self.arrived.set()


async def test_a_mux_target_dialled_while_paused_is_read_after_the_resume() -> None:
    echo = EchoServer()
    await echo.start()
    output = Output()
    mux = MuxServer(
        OutputPump(output.emit, Faults(), lambda: None),
        lambda: echo.address,
        lambda _reason: None,
        None,
        Faults(),
    )
    try:
        mux.set_paused(True)
        mux.feed(encode_frame(Cmd.SYN, 3) + encode_data(3, b"hello"))
        await asyncio.sleep(0)  # the dial starts, paused
        mux.set_paused(False)  # and the flow resumes before it completes
        await asyncio.wait_for(output.arrived.wait(), 5)
        frames = FrameReader().feed(bytes(output.data))
        assert [(f.cmd, f.stream_id, f.data) for f in frames] == [(Cmd.PSH, 3, b"hello")]
    finally:
        await mux.close()
        await echo.stop()


async def test_a_basic_target_dialled_while_paused_is_read_after_the_resume() -> None:
    echo = EchoServer()
    await echo.start()
    output = Output()
    basic = BasicForwarder(OutputPump(output.emit, Faults(), lambda: None), lambda: echo.address)
    try:
        basic.set_paused(True)
        basic.feed(b"hello")
        await asyncio.sleep(0)
        basic.set_paused(False)
        await asyncio.wait_for(output.arrived.wait(), 5)
        assert bytes(output.data) == b"hello"
    finally:
        await basic.close()
        await echo.stop()
