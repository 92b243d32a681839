"""The tunnel manager through the fake AWS: states, reconnects, ports, stop-all."""

from __future__ import annotations

import asyncio
import getpass
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from ssmgui.core.errors import PortInUseError, SessionStartError
from ssmgui.core.settings import Favourite
from ssmgui.core.tunnel import TunnelKind, TunnelSpec, TunnelState
from ssmgui.services.settings_store import SettingsService, SettingsStore
from ssmgui.services.tunnels.engines.base import TunnelEngine
from ssmgui.services.tunnels.engines.native import NativeEngine
from ssmgui.services.tunnels.engines.off_thread import OffThreadEngine
from ssmgui.services.tunnels.local_ports import LAN_HOSTS
from ssmgui.services.tunnels.manager import ReconnectPolicy, TunnelManager
from ssmgui.services.tunnels.session_api import SessionApi
from ssmgui.services.worker_loop import WorkerLoop
from tests.tunnel_fixtures import CLOSED_PORT, ECHO_PORT, LINUX, OFFLINE, World, echo_once

FAST = ReconnectPolicy(attempts=3, first_delay_s=0.05, max_delay_s=0.1, keepalive_interval_s=0.1)


Engines = Callable[[World], TunnelEngine]


@pytest.fixture(params=["on the loop", "off thread"])
async def engines(request: pytest.FixtureRequest) -> AsyncIterator[Engines]:
    """Every test runs with the data channel on the manager's loop (the CLI, the plugin
    engine's way) and on a worker loop of its own (the GUI's, engines/off_thread.py)."""
    if request.param == "on the loop":
        yield lambda world: NativeEngine(world.options())
        return
    worker = WorkerLoop("test-tunnels")
    yield lambda world: OffThreadEngine(NativeEngine(world.options()), worker)
    await worker.close()


class Harness:
    def __init__(
        self, world: World, settings: SettingsService, platform: str, engines: Engines
    ) -> None:
        self.world = world
        self.api_calls = 0
        self.states: list[TunnelState] = []
        self.manager = TunnelManager(
            api_for=self.api_for,
            engine=lambda: engines(world),
            settings=settings,
            policy=FAST,
            platform=platform,
        )
        self.manager.subscribe(lambda snapshot: self.states.append(snapshot.state))

    async def api_for(self, profile: str, region: str) -> SessionApi:
        # The identity layer is asked again for every new session (it may prompt for MFA).
        self.api_calls += 1
        return self.world.api

    def spec(self, remote_port: int = ECHO_PORT, **options: object) -> TunnelSpec:
        return TunnelSpec("demo", "eu-west-1", LINUX, TunnelKind.CUSTOM, remote_port, **options)  # type: ignore[arg-type]


@pytest.fixture
def harness(world: World, engines: Engines) -> Harness:
    return Harness(world, SettingsService(None), "linux", engines)


async def wait_for_state(harness: Harness, tunnel_id: int, state: TunnelState) -> None:
    async with asyncio.timeout(15):
        while harness.manager.get(tunnel_id).state is not state:
            await asyncio.sleep(0.02)


async def test_open_reports_ready_with_reason_and_stats(harness: Harness) -> None:
    tunnel = await harness.manager.open(harness.spec())
    assert tunnel.state is TunnelState.READY and tunnel.mode == "mux"
    assert await echo_once(tunnel.local_port, b"ping") == b"ping"
    snapshot = harness.manager.get(tunnel.tunnel_id)
    assert (snapshot.stats.bytes_up, snapshot.stats.bytes_down) == (4, 4)
    session = harness.world.fake.sessions[tunnel.session_id]
    assert session.reason == f"ssmgui CUSTOM tunnel for {getpass.getuser()}"
    await harness.manager.stop_all()
    assert harness.states == [TunnelState.STARTING, TunnelState.READY, TunnelState.STOPPED]


async def test_a_recycle_is_absorbed_by_the_session_without_a_state_change(
    harness: Harness,
) -> None:
    tunnel = await harness.manager.open(harness.spec())
    await harness.world.fake.recycle(tunnel.session_id)
    assert await echo_once(tunnel.local_port, b"after bye") == b"after bye"
    assert harness.manager.get(tunnel.tunnel_id).stats.reconnects == 1
    assert harness.states == [TunnelState.STARTING, TunnelState.READY]
    await harness.manager.stop_all()


@pytest.mark.slow
async def test_a_lost_session_is_replaced_on_the_same_port(harness: Harness) -> None:
    tunnel = await harness.manager.open(harness.spec())
    first_session = tunnel.session_id
    harness.world.fake.resume_returns_no_token.add(first_session)
    await harness.world.fake.drop_connection(first_session)
    await wait_for_state(harness, tunnel.tunnel_id, TunnelState.READY)
    async with asyncio.timeout(15):
        while harness.manager.get(tunnel.tunnel_id).reconnects < 1:
            await asyncio.sleep(0.02)
    now = harness.manager.get(tunnel.tunnel_id)
    assert now.session_id != first_session and now.local_port == tunnel.local_port
    assert await echo_once(tunnel.local_port, b"new session") == b"new session"
    assert harness.states == [
        TunnelState.STARTING, TunnelState.READY, TunnelState.RECONNECTING, TunnelState.READY
    ]  # fmt: skip
    assert harness.api_calls == 2
    await harness.manager.stop_all()


@pytest.mark.slow
async def test_a_refused_resume_starts_a_new_session(harness: Harness) -> None:
    # ResumeSession can fail with 403 after ~60 min with scoped credentials (plugin#136).
    tunnel = await harness.manager.open(harness.spec())
    harness.world.fake.deny_actions.add("ssm:ResumeSession")
    await harness.world.fake.recycle(tunnel.session_id)
    async with asyncio.timeout(15):
        while harness.manager.get(tunnel.tunnel_id).reconnects < 1:
            await asyncio.sleep(0.02)
    assert harness.manager.get(tunnel.tunnel_id).state is TunnelState.READY
    assert await echo_once(tunnel.local_port, b"ok") == b"ok"
    await harness.manager.stop_all()


@pytest.mark.slow
async def test_reconnecting_gives_up_with_the_last_reason(harness: Harness) -> None:
    tunnel = await harness.manager.open(harness.spec())
    harness.world.fake.resume_returns_no_token.add(tunnel.session_id)
    harness.world.fake.instances[LINUX].ping_status = "ConnectionLost"
    await harness.world.fake.drop_connection(tunnel.session_id)
    await wait_for_state(harness, tunnel.tunnel_id, TunnelState.FAILED)
    detail = harness.manager.get(tunnel.tunnel_id).detail
    assert detail.startswith("Gave up reconnecting") and "not connected" in detail
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", tunnel.local_port)


@pytest.mark.slow
async def test_an_idle_timeout_is_not_fought(harness: Harness) -> None:
    tunnel = await harness.manager.open(harness.spec())
    await harness.world.fake.end_session(tunnel.session_id)
    await wait_for_state(harness, tunnel.tunnel_id, TunnelState.FAILED)
    detail = harness.manager.get(tunnel.tunnel_id).detail
    assert "inactivity" in detail and "keepalive" in detail
    assert harness.api_calls == 1


async def test_offline_instance_fails_cleanly(harness: Harness) -> None:
    spec = TunnelSpec("demo", "eu-west-1", OFFLINE, TunnelKind.SSH, 22)
    with pytest.raises(SessionStartError, match="not connected"):
        await harness.manager.open(spec)
    (failed,) = harness.manager.snapshots()
    assert failed.state is TunnelState.FAILED and "not connected" in failed.detail
    assert failed.local_port == 0, "a tunnel that never listened has no address"
    assert harness.states == [TunnelState.STARTING, TunnelState.FAILED]
    assert harness.manager.forget_finished() == [failed.tunnel_id]
    assert harness.manager.snapshots() == []


async def test_snapshots_carry_live_figures_and_uptime_stops_with_the_tunnel(
    harness: Harness,
) -> None:
    """Views poll `snapshots()` while shown: bytes move without any state change, and a
    stopped tunnel's "up for" no longer counts."""
    tunnel = await harness.manager.open(harness.spec())
    assert await echo_once(tunnel.local_port, b"x" * 1000) == b"x" * 1000
    (live,) = harness.manager.snapshots()
    assert (live.stats.bytes_up, live.stats.bytes_down) == (1000, 1000)
    assert harness.states == [TunnelState.STARTING, TunnelState.READY]
    await harness.manager.stop(tunnel.tunnel_id)
    ended = harness.manager.get(tunnel.tunnel_id).uptime_s
    await asyncio.sleep(0.05)
    assert harness.manager.get(tunnel.tunnel_id).uptime_s == ended > live.uptime_s


async def test_refused_target_is_visible_in_the_snapshot(harness: Harness) -> None:
    tunnel = await harness.manager.open(harness.spec(CLOSED_PORT))
    reader, writer = await asyncio.open_connection("127.0.0.1", tunnel.local_port)
    assert await asyncio.wait_for(reader.read(), 10) == b""
    writer.close()
    assert "could not connect to port 81" in harness.manager.get(tunnel.tunnel_id).last_target_error
    await harness.manager.stop_all()


async def test_several_tunnels_then_stop_all_leaves_nothing(harness: Harness) -> None:
    tunnels = [await harness.manager.open(harness.spec()) for _ in range(4)]
    assert len({t.local_port for t in tunnels}) == 4
    for tunnel in tunnels:
        assert await echo_once(tunnel.local_port, b"x") == b"x"
    await harness.manager.stop_all()
    assert harness.world.fake.live_session_ids() == []
    assert all(s.terminated for s in harness.world.fake.sessions.values())
    for tunnel in tunnels:
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", tunnel.local_port)


@pytest.mark.slow
async def test_the_local_port_is_remembered_across_runs(
    world: World, tmp_path: Path, engines: Engines
) -> None:
    first = Harness(world, SettingsService(SettingsStore(tmp_path)), "linux", engines)
    spec = first.spec()
    tunnel = await first.manager.open(spec)
    await first.manager.stop_all()
    second = Harness(world, SettingsService(SettingsStore(tmp_path)), "linux", engines)  # a new run
    again = await second.manager.open(spec)
    assert again.local_port == tunnel.local_port
    await second.manager.stop_all()


async def test_a_busy_remembered_port_falls_back_but_a_fixed_one_fails(harness: Harness) -> None:
    tunnel = await harness.manager.open(harness.spec())
    await harness.manager.stop_all()
    holder = socket.socket()
    holder.bind(("127.0.0.1", tunnel.local_port))
    holder.listen()
    try:
        moved = await harness.manager.open(harness.spec())
        assert moved.local_port != tunnel.local_port
        with pytest.raises(PortInUseError, match="already in use"):
            await harness.manager.open(harness.spec(local_port=tunnel.local_port))
    finally:
        holder.close()
        await harness.manager.stop_all()


@pytest.mark.slow
async def test_windows_never_gets_3389(world: World, engines: Engines) -> None:
    harness = Harness(world, SettingsService(None), "win32", engines)
    with pytest.raises(PortInUseError, match="Windows' own Remote Desktop"):
        await harness.manager.open(harness.spec(local_port=3389))


@pytest.mark.slow
async def test_keepalive_sends_traffic_only_when_asked(harness: Harness) -> None:
    quiet = await harness.manager.open(harness.spec())
    kept = await harness.manager.open(harness.spec(keepalive=True))
    await asyncio.sleep(0.45)
    assert harness.manager.get(quiet.tunnel_id).stats.total_connections == 0
    assert harness.manager.get(kept.tunnel_id).stats.total_connections >= 2
    await harness.manager.stop_all()


async def test_share_on_lan_binds_every_interface(harness: Harness) -> None:
    tunnel = await harness.manager.open(harness.spec(share_on_lan=True))
    assert tunnel.bind_hosts == LAN_HOSTS
    assert await echo_once(tunnel.local_port, b"lan") == b"lan"
    await harness.manager.stop_all()


async def test_auto_start_favourites(world: World, engines: Engines) -> None:
    settings = SettingsService(None)
    spec = TunnelSpec("demo", "eu-west-1", LINUX, TunnelKind.CUSTOM, ECHO_PORT)
    favourite = Favourite("echo", spec, auto_start=True)
    settings.update(settings.current.__class__(favourites=(favourite,)))
    harness = Harness(world, settings, "linux", engines)
    assert await harness.manager.open_auto_start() == []
    (tunnel,) = harness.manager.snapshots()
    assert tunnel.state is TunnelState.READY and tunnel.spec.label == "echo"
    await harness.manager.stop_all()
