"""GUI benchmark: views, event-loop stalls, tunnel throughput and idle memory of the tray app.

Everything runs offscreen (`QT_QPA_PLATFORM=offscreen`) with the real window (`MainSurface` →
`InstancesWindow`, shown) and the real `AppController`, on a qasync loop as in the app. The
fake AWS runs in separate processes (`python -m ssmgui.demo`, `python -m ssmgui.demo.fleet`),
so this process is only the GUI, like ssmgui on a laptop. In one run:

1. filtering 10,000 instances per keystroke (median ms, target ≤ 15) and a full refresh of
   10,000 rows (ms, target ≤ 100): `bench.ui_views`, before the loop starts;
2. event-loop stall p99 (target ≤ 50 ms): an asyncio ticker every 5 ms records how late each
   tick runs — idle (the baseline), during full inventory refreshes of a 10,080-instance fleet
   (the real `InventoryService` through `AppController.refresh()` into the window; the first,
   cold refresh reported apart), and during 64 MiB transfers through a native tunnel opened by
   the controller in this process;
3. tunnel throughput in the GUI process vs headless `ssmgui forward` (target ≥ 90 %): the
   same 64 MiB upload + download (SHA-256 checked), in interleaved rounds compared by the
   median ratio within a round, with each tunnel process's CPU per 100 MiB (see
   `bench.ui_throughput` for why). The transfer client runs in a separate process in both
   cases (as an RDP or SSH client would; the headline ratio), and also inside this process
   on the qasync loop (reported apart);
4. idle RSS (target ≤ 200 MB) of a fresh GUI process holding 10,000 instances in the window
   and 10 open idle tunnels, read from /proc/self/statm after things settle.

Run: python -m bench.ui [--mib 64]. The last line printed is one JSON object.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import qasync
from PySide6.QtWidgets import QApplication

from bench import ui_views
from bench.children import child, json_line
from bench.ui_throughput import (
    WARM_UP_BYTES,
    Tunnel,
    child_client_figures,
    headless_forward,
    inproc_client_figures,
    interleaved,
    this_process_cpu,
    transfer,
    transfer_in_child,
)
from ssmgui.app.responsiveness import freeze_loaded_objects, keep_gui_thread_responsive
from ssmgui.app.services import native_engine
from ssmgui.core.instance import Instance
from ssmgui.core.tunnel import TunnelState
from ssmgui.services.identity.sso_accounts import AccountRoles
from ssmgui.services.inventory.cache import InventoryCache
from ssmgui.services.inventory.service import InventoryService
from ssmgui.services.inventory.sessions import ProfileSessions
from ssmgui.services.settings_store import SettingsService
from ssmgui.services.tunnels.manager import TunnelManager
from ssmgui.services.tunnels.session_api import SessionApi
from ssmgui.services.worker_loop import WorkerLoop
from ssmgui.ui.controller import AppController
from ssmgui.ui.main_surface import MainSurface
from tests.demo_process import demo_process_api, demo_process_options
from tests.ui.sample_fleet import make_instance, sample_fleet

DIGEST_INSTANCE, DIGEST_PORT = "i-0de0000000000e001", 9000
TICK_S = 0.005
FLEET_PROFILES, FLEET_REGIONS, FLEET_PER_PAIR = 3, 7, 480  # 10,080 instances
FLEET_LATENCY_MS = 15.0  # one way: 30 ms per API call, as bench/inventory.py
DEMO_KEY = "AKIADEMOEXAMPLE00001"
RSS_TUNNELS, RSS_INSTANCES = 10, 10_000
STALL_TARGET_MS, RSS_TARGET_MB = 50.0, 200.0
MB = 1e6


# --- child processes ------------------------------------------------------------------------


# --- stall probe ----------------------------------------------------------------------------


class StallProbe:
    """An asyncio ticker every TICK_S: how late (ms) each tick ran, while it is running."""

    def __init__(self) -> None:
        self.late_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(TICK_S)
            self.late_ms.append(max(0.0, (time.perf_counter() - started - TICK_S) * 1000))

    def __enter__(self) -> StallProbe:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def stall_figures(name: str, samples: list[float]) -> dict[str, float]:
    return {
        f"stall_p50_ms_{name}": round(percentile(samples, 0.50), 2),
        f"stall_p99_ms_{name}": round(percentile(samples, 0.99), 2),
        f"stall_max_ms_{name}": round(max(samples), 2),
        f"stall_ticks_{name}": float(len(samples)),
    }


# --- the GUI under test ---------------------------------------------------------------------


class FleetIdentity:
    """The controller's identity port over the fleet's pairs (static demo keys, no MFA)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def profile_names(self) -> list[str]:
        return sorted({profile for profile, _ in self._pairs})

    def regions_of(self, profile: str) -> tuple[str, ...]:
        return tuple(region for p, region in self._pairs if p == profile)

    async def sign_in(self, profile: str) -> datetime | None:
        return None

    async def sign_in_each(self, profiles: Sequence[str]) -> None:
        return None

    def expires_at(self, profile: str) -> datetime | None:
        return None

    def needs_login(self, profile: str) -> bool:
        return False

    def forget(self, profile: str) -> None:
        return None

    def profile_files(self) -> tuple[Path, ...]:
        return ()  # never asked: the fleet always has profiles

    def new_sign_in_round(self) -> None:
        return None

    async def account_alias(self, profile: str) -> str:
        return ""

    def sso_session_names(self) -> list[str]:
        return []

    def sso_session_of(self, profile: str) -> None:
        return None

    async def sso_accounts(self, session_name: str) -> list[AccountRoles]:
        return []


@dataclass
class Gui:
    controller: AppController
    surface: MainSurface
    target: Instance  # the demo's digest instance, as a row the person right-clicked
    data_loop: WorkerLoop  # where the tunnels' bytes move, as in the app

    async def close(self) -> None:
        """As the app quits: tunnels stopped, the inventory's cache written."""
        await self.controller.close()
        await self.data_loop.close()

    async def open_tunnel(self, remote_port: int = DIGEST_PORT) -> int:
        """A custom-port tunnel opened as the window's menu does; its local port."""
        before = set(self.controller.tunnels)
        await self.controller.connect_custom(self.target, remote_port)
        (new,) = set(self.controller.tunnels) - before
        snapshot = self.controller.tunnels[new]
        if snapshot.state is not TunnelState.READY:
            raise RuntimeError(f"tunnel not ready: {snapshot.state} {snapshot.detail}")
        return snapshot.local_port


def build_gui(
    demo: dict[str, Any], fleet_pairs: list[dict[str, Any]] | None, cache_dir: Path
) -> Gui:
    """Controller + main surface (window shown), as `ssmgui.app` composes them: inventory
    from the fleet process (its listings cached in `cache_dir`, as the app does), tunnels to
    the demo process. Call on the running loop."""
    endpoints = {(p["profile"], p["region"]): p for p in fleet_pairs or []}

    def session_for(_profile: str) -> boto3.Session:
        return boto3.Session(aws_access_key_id=DEMO_KEY, aws_secret_access_key="demo")

    def endpoint(profile: str, region: str, service: str) -> str:
        return str(endpoints[profile, region]["ssm_url" if service == "ssm" else "ec2_url"])

    inventory = InventoryService(
        ProfileSessions(session_for, endpoint_url_for=endpoint),
        cache=InventoryCache(cache_dir),
    )
    api = demo_process_api(demo)  # made before measuring: a boto3 client costs ~50 ms

    async def api_for(_profile: str, _region: str) -> SessionApi:
        return api

    options = demo_process_options(demo)
    settings = SettingsService(None)
    data_loop = WorkerLoop("ssmgui-tunnels")
    tunnels = TunnelManager(
        api_for=api_for, engine=lambda: native_engine(data_loop, options), settings=settings
    )

    async def no_client(*_args: object) -> None:
        return None

    controller = AppController(
        identity=FleetIdentity(list(endpoints)),
        inventory=inventory,
        tunnels=tunnels,
        settings=settings,
        open_client=no_client,
    )
    surface = MainSurface(controller, quit_app=lambda: None)
    surface.show()  # offscreen: no tray, so the window is shown
    keep_gui_thread_responsive()  # as ssmgui.app does once the app is built
    target = make_instance(DIGEST_INSTANCE, "echo-digest", profile="demo", region=demo["region"])
    return Gui(controller, surface, target, data_loop)


# --- measurements ---------------------------------------------------------------------------


async def idle_stall(seconds: float) -> list[float]:
    with StallProbe() as probe:
        await asyncio.sleep(seconds)
    return probe.late_ms


async def refresh_stalls(gui: Gui, rounds: int) -> tuple[list[float], list[list[float]], float]:
    """Ticks during the first (cold) refresh, during each warm one, and the warm wall time."""
    window = gui.surface.window
    expected = FLEET_PROFILES * FLEET_REGIONS * FLEET_PER_PAIR
    cold: list[float] = []
    warm: list[list[float]] = []
    walls = []
    for n in range(rounds + 1):
        started = time.perf_counter()
        with StallProbe() as probe:
            await gui.controller.refresh()
            await asyncio.sleep(0.05)  # the window's last repaint
        walls.append(time.perf_counter() - started)
        errors = [r.error.user_message for r in gui.controller.regions.values() if r.error]
        assert not errors, errors
        assert window.model.total() == expected, window.model.total()
        if n == 0:
            cold = probe.late_ms
            freeze_loaded_objects()  # as ssmgui.app does after its first refresh
        else:
            warm.append(probe.late_ms)
    return cold, warm, statistics.median(walls[1:])


async def transfer_stalls(port: int, nbytes: int) -> dict[str, float]:
    """Stalls while one transfer runs through the GUI's tunnel, by a client process and by a
    client on this loop. Apart from the throughput rounds: the probe's own ticks would tax
    the GUI's side of that comparison."""
    await transfer_in_child(port, WARM_UP_BYTES)
    with StallProbe() as probe:
        await transfer_in_child(port, nbytes)
    figures = stall_figures("transfer", probe.late_ms)
    with StallProbe() as probe:
        await transfer(port, nbytes)
    figures.update(stall_figures("transfer_inproc_client", probe.late_ms))
    print(
        f"transfer {nbytes >> 20} MiB up+down through the GUI's tunnel: stall p50 "
        f"{figures['stall_p50_ms_transfer']} ms, p99 {figures['stall_p99_ms_transfer']} ms, "
        f"max {figures['stall_max_ms_transfer']} ms (target p99 ≤ {STALL_TARGET_MS} ms)",
        flush=True,
    )
    print(
        f"  with the client inside the GUI process: stall p99 "
        f"{figures['stall_p99_ms_transfer_inproc_client']} ms",
        flush=True,
    )
    return figures


async def gui_session(
    demo: dict[str, Any], fleet: list[dict[str, Any]], nbytes: int, rounds: int
) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ssmgui-bench-ui-") as cache_dir:
        gui = build_gui(demo, fleet, Path(cache_dir))
        figures.update(await measure_gui(gui, demo, len(fleet), nbytes, rounds))
        await gui.close()
        gui.surface.window.close()
    return figures


async def measure_gui(
    gui: Gui, demo: dict[str, Any], pairs: int, nbytes: int, rounds: int
) -> dict[str, float]:
    figures: dict[str, float] = {}
    await asyncio.sleep(0.5)  # first layout and paint

    idle = await idle_stall(3.0)
    figures.update(stall_figures("idle", idle))
    print(
        f"idle: stall p50 {figures['stall_p50_ms_idle']} ms, p99 "
        f"{figures['stall_p99_ms_idle']} ms over {len(idle)} ticks (baseline)",
        flush=True,
    )

    cold, warm, wall = await refresh_stalls(gui, rounds=3)
    pooled = [late for ticks in warm for late in ticks]
    figures.update(stall_figures("refresh", pooled))
    figures.update(stall_figures("refresh_cold", cold))
    figures["refresh_wall_s"] = round(wall, 3)
    figures["refresh_instances"] = float(gui.surface.window.model.total())
    print(
        f"refresh of {int(figures['refresh_instances']):,} instances ({pairs} pairs, "
        f"{2 * FLEET_LATENCY_MS:.0f} ms per call, warm wall {wall:.2f} s): stall p50 "
        f"{figures['stall_p50_ms_refresh']} ms, p99 {figures['stall_p99_ms_refresh']} ms, "
        f"max {figures['stall_max_ms_refresh']} ms (target p99 ≤ {STALL_TARGET_MS} ms)",
        flush=True,
    )
    print(f"  first (cold) refresh: stall p99 {figures['stall_p99_ms_refresh_cold']} ms, "
          f"max {figures['stall_max_ms_refresh_cold']} ms", flush=True)  # fmt: skip

    port = await gui.open_tunnel()
    figures.update(await transfer_stalls(port, nbytes))
    gui_tunnel = Tunnel(port, this_process_cpu)
    with headless_forward(demo, DIGEST_INSTANCE, DIGEST_PORT) as headless:
        sides = await interleaved(gui_tunnel, headless, transfer_in_child, nbytes, rounds)
        figures.update(child_client_figures(*sides))
        sides = await interleaved(gui_tunnel, headless, transfer, nbytes, max(1, rounds // 2))
        figures.update(inproc_client_figures(*sides))
    return figures


# --- the idle-RSS probe (a fresh process) ---------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


async def rss_probe(demo: dict[str, Any]) -> dict[str, float]:
    figures = {"rss_qt_started_mb": rss_mb()}
    gui = build_gui(demo, None, Path(tempfile.gettempdir()))
    for (profile, region), rows in sample_fleet(RSS_INSTANCES).items():
        gui.surface.window.show_region(profile, region, rows, stale=False)
    await asyncio.sleep(0.5)
    figures["rss_window_mb"] = rss_mb()
    for _ in range(RSS_TUNNELS):
        await gui.open_tunnel(7)
    await asyncio.sleep(3.0)  # settle: repaints, keep-alives, pending frees
    gc.collect()
    await asyncio.sleep(1.0)
    figures["idle_rss_mb"] = rss_mb()
    figures["rss_window_instances"] = float(gui.surface.window.model.total())
    figures["rss_open_tunnels"] = float(
        sum(s.state is TunnelState.READY for s in gui.controller.tunnels.values())
    )
    await gui.close()
    return figures


def run_rss_probe(demo: dict[str, Any]) -> dict[str, float]:
    argv = [sys.executable, "-m", "bench.ui", "--rss-probe", json.dumps(demo)]
    with child(argv) as process:
        out, _ = process.communicate(timeout=120)
    if process.returncode != 0:
        raise RuntimeError(f"RSS probe failed ({process.returncode})")
    figures: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return figures


# --- main -----------------------------------------------------------------------------------


def qt_app() -> QApplication:
    app = QApplication.instance() or QApplication(["ssmgui-bench"])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # docs/architecture.md, qasync trap 3
    return app


def run_on_qasync(app: QApplication, main: Awaitable[dict[str, float]]) -> dict[str, float]:
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result: dict[str, float] = loop.run_until_complete(main)
    return result


def views() -> dict[str, float]:
    app = qt_app()
    instances = [i for region in sample_fleet(ui_views.COUNT).values() for i in region]
    refresh = ui_views.measure_refresh(app, instances)
    keys = ui_views.measure_filter(app, instances)
    figures = {
        "filter_ms_median": round(statistics.median(keys), 2),
        "filter_ms_p90": round(statistics.quantiles(keys, n=10)[-1], 2),
        "refresh_ms": round(statistics.median(refresh), 2),
        "refresh_ms_max": round(max(refresh), 2),
    }
    print(
        f"filter {len(instances):,} instances per keystroke: median "
        f"{figures['filter_ms_median']} ms, p90 {figures['filter_ms_p90']} ms "
        f"(target ≤ {ui_views.FILTER_TARGET_MS} ms)",
        flush=True,
    )
    print(
        f"full model refresh of {len(instances):,} rows: median {figures['refresh_ms']} ms, "
        f"max {figures['refresh_ms_max']} ms (target ≤ {ui_views.REFRESH_TARGET_MS} ms)",
        flush=True,
    )
    return figures


def run(mib: int, rounds: int) -> dict[str, float]:
    figures = views()
    fleet_argv = [
        sys.executable, "-m", "ssmgui.demo.fleet", "--latency-ms", str(FLEET_LATENCY_MS),
        "--profiles", str(FLEET_PROFILES), "--regions", str(FLEET_REGIONS),
        "--per-pair", str(FLEET_PER_PAIR),
    ]  # fmt: skip
    with (
        child([sys.executable, "-m", "ssmgui.demo"]) as demo_process,
        child(fleet_argv) as fleet_process,
    ):
        demo = json_line(demo_process, "the fake AWS")
        fleet = json_line(fleet_process, "the fake fleet")["pairs"]
        figures.update(run_on_qasync(qt_app(), gui_session(demo, fleet, mib << 20, rounds)))
        figures.update(run_rss_probe(demo))
    print(
        f"idle RSS with {int(figures['rss_window_instances']):,} instances and "
        f"{int(figures['rss_open_tunnels'])} open tunnels: {figures['idle_rss_mb']:.0f} MB "
        f"(target ≤ {RSS_TARGET_MB:.0f} MB; Qt started {figures['rss_qt_started_mb']:.0f} MB, "
        f"window filled {figures['rss_window_mb']:.0f} MB)",
        flush=True,
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=64, help="MiB per transfer")
    parser.add_argument(
        "--rounds", type=int, default=6, help="interleaved throughput rounds per tunnel"
    )
    parser.add_argument("--rss-probe", metavar="DEMO_JSON", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_probe:
        probe = run_on_qasync(qt_app(), rss_probe(json.loads(args.rss_probe)))
        print(json.dumps({k: round(v, 2) for k, v in probe.items()}))
        return
    figures = run(args.mib, args.rounds)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
