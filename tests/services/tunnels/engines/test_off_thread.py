"""Tunnels whose bytes move on their own loop: they keep moving while the caller's loop is
busy (a window repainting, a dialog open), which on-loop tunnels cannot.

The fake AWS runs in its own process (`python -m ssmgui.demo`), so blocking this test's loop
blocks only the caller, as a busy GUI thread would. The manager-level behaviour (states,
reconnects, stop) through this engine is covered by tests/services/tunnels/test_manager.py,
which runs every test with both engines.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from ssmgui.core.tunnel import port_forwarding_request
from ssmgui.demo.servers.targets import pattern_bytes, pattern_digest, upload_command
from ssmgui.services.tunnels.engines.base import RunningTunnel, TunnelEngine
from ssmgui.services.tunnels.engines.native import NativeEngine
from ssmgui.services.tunnels.engines.off_thread import OffThreadEngine
from ssmgui.services.worker_loop import WorkerLoop
from ssmgui.ssm.session import LOOPBACK_HOSTS
from tests.demo_process import demo_process as start_demo_process
from tests.demo_process import demo_process_api, demo_process_options

DIGEST_INSTANCE, DIGEST_PORT = "i-0de0000000000e001", 9000
UPLOAD_BYTES = 4 << 20


@pytest.fixture(scope="module")
def demo_process() -> Iterator[dict[str, Any]]:
    with start_demo_process() as info:
        yield info


@pytest.fixture
async def data_loop() -> AsyncIterator[WorkerLoop]:
    worker = WorkerLoop("test-tunnels")
    yield worker
    await worker.close()


async def open_digest_tunnel(engine: TunnelEngine, info: dict[str, Any]) -> RunningTunnel:
    request = port_forwarding_request(DIGEST_INSTANCE, DIGEST_PORT)
    api = demo_process_api(info)
    return await engine.open(api, request, local_port=0, bind_hosts=LOOPBACK_HOSTS)


def upload_blocking(port: int, timeout_s: float) -> bytes:
    """An upload by a plain blocking socket on this thread: this loop runs nothing meanwhile."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as connection:
        connection.sendall(upload_command(UPLOAD_BYTES) + pattern_bytes(0, UPLOAD_BYTES))
        answer = b""
        while len(answer) < 32:
            piece = connection.recv(32 - len(answer))
            if not piece:
                break
            answer += piece
        return answer


@pytest.mark.slow
async def test_bytes_move_while_the_callers_loop_is_blocked(
    demo_process: dict[str, Any], data_loop: WorkerLoop
) -> None:
    engine = OffThreadEngine(NativeEngine(demo_process_options(demo_process)), data_loop)
    tunnel = await open_digest_tunnel(engine, demo_process)
    try:
        assert upload_blocking(tunnel.local_port, timeout_s=30) == pattern_digest(UPLOAD_BYTES)
        stats = tunnel.stats()  # read from this thread while the worker owns the counters
        assert stats.bytes_up == len(upload_command(UPLOAD_BYTES)) + UPLOAD_BYTES
        assert stats.bytes_down == 32 and stats.total_connections == 1
        assert tunnel.mode == "mux" and tunnel.session_id
    finally:
        await tunnel.stop()
    assert await tunnel.wait_closed() is None
    with pytest.raises(OSError):  # stop freed the port, on the worker's loop
        socket.create_connection(("127.0.0.1", tunnel.local_port), timeout=2).close()


@pytest.mark.slow
async def test_an_on_loop_tunnel_stalls_while_its_loop_is_blocked(
    demo_process: dict[str, Any],
) -> None:
    """The control: the same blocking upload through a tunnel on this loop gets no answer,
    so the test above would fail if the bytes still moved on the caller's loop."""
    engine = NativeEngine(demo_process_options(demo_process))
    tunnel = await open_digest_tunnel(engine, demo_process)
    try:
        with pytest.raises(TimeoutError):
            upload_blocking(tunnel.local_port, timeout_s=1.5)
    finally:
        await tunnel.stop()
