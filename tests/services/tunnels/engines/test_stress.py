"""Two hundred connections at once through one multiplexed tunnel, while the service keeps
recycling and dropping its WebSocket: every byte must arrive, and the tunnel must live on.

Half the connections upload 1 MiB to the digest server, half download 1 MiB from it; the
digests check every byte (ssmgui/demo/servers/transfer.py). The fake runs in a process of
its own, with 20 ms one-way latency so the window fills, and injects a close 1000 "Bye"
and an abrupt TCP drop on timers (`--recycle-every`, `--drop-every`), so faults land in
the middle of smux frames, resends and resumes. Sharing this loop, the fake would hide
races (docs/testing.md).

The same load runs through the native engine on this loop (as `ssmgui forward` runs it)
and through the GUI's engine (`OffThreadEngine` on a `WorkerLoop`) under the tunnel
manager, whose tunnel must stay READY on its first session. Any warning logged meanwhile
fails the test, and so does a task whose exception nobody retrieved.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from ssmgui.core.tunnel import (
    SessionRequest,
    TunnelKind,
    TunnelSpec,
    TunnelState,
    port_forwarding_request,
)
from ssmgui.demo.servers.transfer import Transfer, download, upload
from ssmgui.services.settings_store import SettingsService
from ssmgui.services.tunnels.engines.native import NativeEngine, open_port_tunnel
from ssmgui.services.tunnels.engines.off_thread import OffThreadEngine
from ssmgui.services.tunnels.manager import ReconnectPolicy, TunnelManager
from ssmgui.services.tunnels.session_api import SessionApi
from ssmgui.services.worker_loop import WorkerLoop
from ssmgui.ssm.channel import ChannelOptions, ChannelStats
from ssmgui.ssm.message import MAX_STREAM_PAYLOAD
from ssmgui.ssm.session import PortSession
from tests.demo_process import demo_process_api, demo_process_options, demo_process_running

pytestmark = pytest.mark.slow

DIGEST_INSTANCE, DIGEST_PORT = "i-0de0000000000e001", 9000
MIB = 1 << 20
CONNECTIONS = 200
TRANSFER_BYTES = MIB
LATENCY_MS = 20
RECYCLE_EVERY_S = 1.5
DROP_EVERY_S = 2.3
DEADLINE_S = 120


@dataclass
class FakeProcess:
    """`python -m ssmgui.demo` with fault timers; `report` is its last line, after stop."""

    info: dict[str, Any]
    process: subprocess.Popen[str]
    report: dict[str, Any] | None = None

    def stop(self) -> dict[str, Any]:
        if self.report is None:
            self.process.terminate()
            out, _ = self.process.communicate(timeout=20)
            lines = [line for line in out.splitlines() if line.startswith("{")]
            self.report = json.loads(lines[-1])
        return self.report


@pytest.fixture
def faulty_fake() -> Iterator[FakeProcess]:
    flags = ("--latency-ms", str(LATENCY_MS), "--recycle-every", str(RECYCLE_EVERY_S),
             "--drop-every", str(DROP_EVERY_S))  # fmt: skip
    with demo_process_running(*flags) as (info, process):
        fake = FakeProcess(info, process)
        yield fake
        fake.stop()


@pytest.fixture
async def worker() -> AsyncIterator[WorkerLoop]:
    loop = WorkerLoop("stress-tunnels")
    yield loop
    await loop.close()


class RecordingEngine:
    """The native engine, keeping the sessions it opened so the test can read their
    channel's counters (the manager shows only the tunnel's)."""

    def __init__(self, inner: NativeEngine) -> None:
        self._inner = inner
        self.name = inner.name
        self.opened: list[PortSession] = []

    async def open(
        self,
        api: SessionApi,
        request: SessionRequest,
        *,
        local_port: int,
        bind_hosts: Sequence[str],
    ) -> PortSession:
        tunnel = await self._inner.open(api, request, local_port=local_port, bind_hosts=bind_hosts)
        self.opened.append(tunnel)
        return tunnel


async def mixed_load(port: int) -> list[Transfer]:
    """Half uploads, half downloads of TRANSFER_BYTES each, all at once."""
    uploads = [upload(port, TRANSFER_BYTES) for _ in range(CONNECTIONS // 2)]
    downloads = [download(port, TRANSFER_BYTES) for _ in range(CONNECTIONS - CONNECTIONS // 2)]
    return await asyncio.wait_for(asyncio.gather(*uploads, *downloads), DEADLINE_S)


def assert_every_byte_arrived(results: list[Transfer]) -> None:
    broken = [i for i, result in enumerate(results) if not result.intact]
    assert not broken, f"{len(broken)} of {len(results)} transfers damaged: {broken[:10]}"
    assert sum(result.nbytes for result in results) == CONNECTIONS * TRANSFER_BYTES


def assert_nothing_went_wrong_unseen(caplog: pytest.LogCaptureFixture) -> None:
    """No warning or error from any thread, including asyncio's "Task exception was never
    retrieved" (logged when the task is collected, hence the collection first)."""
    gc.collect()
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not loud, "\n".join(f"{r.name}: {r.getMessage()}" for r in loud[:10])


def assert_resends_are_the_reconnects_own(stats: ChannelStats) -> None:
    """The link loses nothing but whole WebSockets, and each new one gets the unacked window
    again (at most `window` messages per reconnect). Resends beyond those are spurious: a
    tenth of the messages sent is the bound (an RTO that trailed the round trip once resent
    three quarters of them)."""
    messages = stats.bytes_up // MAX_STREAM_PAYLOAD
    beyond_reconnects = stats.resends - stats.reconnects * ChannelOptions().window
    assert beyond_reconnects <= messages // 10, (
        f"{stats.resends} resends for {messages} messages and {stats.reconnects} reconnects"
    )


def report(engine: str, seconds: float, stats: ChannelStats, fake: FakeProcess, sid: str) -> str:
    seen = fake.stop()
    session = seen["sessions"][sid]
    return (
        f"{engine}: {CONNECTIONS} × {TRANSFER_BYTES // 1024} KiB in {seconds:.1f} s; "
        f"injected {seen['faults']['recycles']} recycles and {seen['faults']['drops']} drops; "
        f"client reconnects {stats.reconnects}, client resends {stats.resends}; "
        f"agent resends {session['agent_resends']}, WebSockets {session['websockets_opened']}"
    )


async def test_native_tunnel_survives_recycles_and_drops_under_load(
    faulty_fake: FakeProcess, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    tunnel = await open_port_tunnel(
        demo_process_api(faulty_fake.info),
        port_forwarding_request(DIGEST_INSTANCE, DIGEST_PORT),
        options=demo_process_options(faulty_fake.info),
    )
    try:
        started = time.perf_counter()
        results = await mixed_load(tunnel.local_port)
        seconds = time.perf_counter() - started
        assert_every_byte_arrived(results)
        assert not tunnel.channel.is_closed, "the session ended under load"
        assert tunnel.stats().total_connections == CONNECTIONS
        assert tunnel.channel.stats.reconnects >= 2, "no fault landed during the transfer"
        assert_resends_are_the_reconnects_own(tunnel.channel.stats)
    finally:
        await tunnel.stop()
    assert await tunnel.wait_closed() is None
    print(report("native", seconds, tunnel.channel.stats, faulty_fake, tunnel.session_id))
    assert_nothing_went_wrong_unseen(caplog)


async def test_the_guis_engine_survives_recycles_and_drops_under_load(
    faulty_fake: FakeProcess, worker: WorkerLoop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    api = demo_process_api(faulty_fake.info)

    async def api_for(_profile: str, _region: str) -> SessionApi:
        return api

    native = RecordingEngine(NativeEngine(demo_process_options(faulty_fake.info)))
    engine = OffThreadEngine(native, worker)
    manager = TunnelManager(
        api_for=api_for,
        engine=lambda: engine,
        settings=SettingsService(None),
        policy=ReconnectPolicy(attempts=3, first_delay_s=0.1, max_delay_s=0.5),
    )
    states: list[TunnelState] = []
    manager.subscribe(lambda snapshot: states.append(snapshot.state))
    spec = TunnelSpec(
        "demo", faulty_fake.info["region"], DIGEST_INSTANCE, TunnelKind.CUSTOM, DIGEST_PORT
    )
    tunnel = await manager.open(spec)
    try:
        started = time.perf_counter()
        results = await mixed_load(tunnel.local_port)
        seconds = time.perf_counter() - started
        assert_every_byte_arrived(results)
        now = manager.get(tunnel.tunnel_id)
        assert now.state is TunnelState.READY, now.detail
        assert now.session_id == tunnel.session_id, "the session was lost and replaced"
        assert len(native.opened) == 1
        assert_resends_are_the_reconnects_own(native.opened[0].channel.stats)
        assert now.stats.total_connections == CONNECTIONS
        assert now.stats.reconnects >= 2, "no fault landed during the transfer"
        assert states == [TunnelState.STARTING, TunnelState.READY]
    finally:
        await manager.stop_all()
    assert manager.get(tunnel.tunnel_id).state is TunnelState.STOPPED
    print(
        report("off-thread", seconds, native.opened[0].channel.stats, faulty_fake, now.session_id)
    )
    assert_nothing_went_wrong_unseen(caplog)
