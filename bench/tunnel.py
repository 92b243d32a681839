"""Tunnel benchmark: open latency, throughput, memory and CPU of the native client.

The fake AWS runs in a separate process (`python -m ssmgui.demo`) so that it has the second
core; this process is only the client, like ssmgui on a laptop. In one run:

1. open latency with 20 ms one-way latency injected, from the request to the first byte
   echoed back through the new tunnel, in round trips (target ≤ 7);
2. throughput up and down, with agent-realistic pacing (1 ms per KiB from the agent) and
   without; baseline in the same run: the official plugin's upload pacing (1 KiB then
   1 ms sleep, session-manager-plugin muxportforwarding.go) through the same tunnel, and
   a direct TCP transfer to the same target with no tunnel;
3. RSS per extra open tunnel;
4. client CPU seconds per 100 MiB moved.

Run: python bench/tunnel.py [--mib 64]. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import boto3

from ssmgui.core.tunnel import port_forwarding_request
from ssmgui.demo.servers.targets import upload_command
from ssmgui.demo.servers.transfer import Transfer, download, upload
from ssmgui.services.tunnels.engines.native import open_port_tunnel
from ssmgui.services.tunnels.session_api import SessionApi, session_api_for
from ssmgui.ssm.channel import ChannelOptions
from ssmgui.ssm.session import PortSession

ECHO_INSTANCE = "i-0de0000000000e001"
ECHO_PORT, DIGEST_PORT = 7, 9000
LATENCY_S = 0.020
MB = 1e6


class Fake:
    """A `python -m ssmgui.demo` process and boto3 wired to it."""

    def __init__(self, info: dict[str, Any], process: subprocess.Popen[str] | None) -> None:
        self.info = info
        self.process = process
        session = boto3.Session(
            aws_access_key_id=info["access_key_id"],
            aws_secret_access_key=info["secret_access_key"],
            region_name=info["region"],
        )
        self.api: SessionApi = session_api_for(session, endpoint_url=info["api_url"])
        self.options = ChannelOptions(allowed_hosts=frozenset({info["stream_host"]}))

    def target(self, port: int) -> int:
        return int(self.info["instances"][ECHO_INSTANCE]["ports"][str(port)][1])

    async def tunnel(self, port: int) -> PortSession:
        request = port_forwarding_request(ECHO_INSTANCE, port)
        return await open_port_tunnel(self.api, request, options=self.options)


@asynccontextmanager
async def fake_process(*flags: str) -> AsyncIterator[Fake]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ssmgui.demo", *flags],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        line = ""
        while not line.startswith("{"):
            line = await asyncio.to_thread(process.stdout.readline)
            if not line:
                raise RuntimeError("the fake AWS process exited early")
        yield Fake(json.loads(line), process)
    finally:
        process.terminate()
        process.wait(10)


async def first_echo_seconds(fake: Fake) -> float:
    started = time.perf_counter()
    tunnel = await fake.tunnel(ECHO_PORT)
    reader, writer = await asyncio.open_connection("127.0.0.1", tunnel.local_port)
    writer.write(b"x")
    await reader.readexactly(1)
    elapsed = time.perf_counter() - started
    writer.close()
    await tunnel.stop()
    return elapsed


async def open_latency() -> dict[str, float]:
    async with fake_process("--latency-ms", str(LATENCY_S * 1000)) as fake:
        await first_echo_seconds(fake)  # warm-up: imports, boto3 connection pool
        samples = sorted([await first_echo_seconds(fake) for _ in range(5)])
    median = samples[len(samples) // 2]
    return {"open_s": median, "open_rtt": median / (2 * LATENCY_S)}


async def plugin_style_upload(port: int, nbytes: int) -> Transfer:
    """The plugin's upload loop: ≤1 KiB per message, then sleep 1 ms."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    block = os.urandom(1024)
    started = time.perf_counter()
    writer.write(upload_command(nbytes))
    for _ in range(nbytes // 1024):
        writer.write(block)
        await writer.drain()
        await asyncio.sleep(0.001)
    await reader.readexactly(32)
    writer.close()
    return Transfer(nbytes, time.perf_counter() - started, True)


async def throughput(nbytes: int, paced: bool) -> dict[str, float]:
    flags = ["--pace"] if paced else []
    label = "paced" if paced else "unpaced"
    async with fake_process(*flags) as fake:
        tunnel = await fake.tunnel(DIGEST_PORT)
        try:
            cpu_before = time.process_time()
            up = await upload(tunnel.local_port, nbytes)
            # Paced download runs at the agent's ~0.8 MB/s: a smaller sample is enough.
            down = await download(tunnel.local_port, nbytes if not paced else nbytes // 16)
            cpu = time.process_time() - cpu_before
            assert up.intact and down.intact, "transfer corrupted"
            figures = {
                f"upload_{label}_mbps": up.mb_per_s,
                f"download_{label}_mbps": down.mb_per_s,
            }
            if paced:
                plugin = await plugin_style_upload(tunnel.local_port, 2 << 20)
                figures["upload_plugin_style_mbps"] = plugin.mb_per_s
            else:
                moved = up.nbytes + down.nbytes
                figures["cpu_s_per_100mib"] = cpu / (moved / (100 << 20))
                direct_up = await upload(fake.target(DIGEST_PORT), nbytes)
                figures["upload_direct_tcp_mbps"] = direct_up.mb_per_s
        finally:
            await tunnel.stop()
    return figures


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def memory_probe(info: dict[str, Any], count: int) -> dict[str, float]:
    """In a fresh process: RSS and Python heap growth per extra idle tunnel."""
    fake = Fake(info, None)
    warm = await fake.tunnel(ECHO_PORT)  # the first tunnel pays for imports and pools
    gc.collect()
    tracemalloc.start()
    rss_before, heap_before = rss_bytes(), tracemalloc.get_traced_memory()[0]
    tunnels = [await fake.tunnel(ECHO_PORT) for _ in range(count)]
    gc.collect()
    rss_after, heap_after = rss_bytes(), tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    for tunnel in [warm, *tunnels]:
        await tunnel.stop()
    return {
        "rss_per_tunnel_mb": (rss_after - rss_before) / count / MB,
        "heap_per_tunnel_mb": (heap_after - heap_before) / count / MB,
    }


async def memory_per_tunnel(count: int) -> dict[str, float]:
    async with fake_process() as fake:
        probe = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--memory-probe", json.dumps(fake.info), str(count),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await probe.communicate()
    figures: dict[str, float] = json.loads(out.decode().strip().splitlines()[-1])
    return figures


async def run(mib: int) -> dict[str, float]:
    nbytes = mib << 20
    figures: dict[str, float] = {}
    figures.update(await open_latency())
    print(f"open: {figures['open_s'] * 1000:.0f} ms = {figures['open_rtt']:.2f} RTT", flush=True)
    figures.update(await throughput(nbytes, paced=True))
    figures.update(await throughput(nbytes, paced=False))
    figures.update(await memory_per_tunnel(50))
    figures["upload_paced_vs_plugin_style"] = (
        figures["upload_paced_mbps"] / figures["upload_plugin_style_mbps"]
    )
    figures["upload_unpaced_vs_direct_tcp"] = (
        figures["upload_unpaced_mbps"] / figures["upload_direct_tcp_mbps"]
    )
    return figures


def report(figures: dict[str, float]) -> None:
    rows = [
        ("open latency (20 ms one-way)", f"{figures['open_rtt']:.2f} RTT", "≤ 7 RTT"),
        ("upload, agent-paced", f"{figures['upload_paced_mbps']:.1f} MB/s", "≥ 8 MB/s"),
        ("  plugin-style upload (baseline)", f"{figures['upload_plugin_style_mbps']:.2f} MB/s",
         f"ratio {figures['upload_paced_vs_plugin_style']:.1f}x"),
        ("download, agent-paced", f"{figures['download_paced_mbps']:.2f} MB/s", "agent-bound"),
        ("upload, unpaced", f"{figures['upload_unpaced_mbps']:.1f} MB/s", "≥ 30 MB/s"),
        ("download, unpaced", f"{figures['download_unpaced_mbps']:.1f} MB/s", "≥ 30 MB/s"),
        ("  direct TCP upload (baseline)", f"{figures['upload_direct_tcp_mbps']:.0f} MB/s",
         f"ratio {figures['upload_unpaced_vs_direct_tcp']:.2f}"),
        ("RSS per extra idle tunnel", f"{figures['rss_per_tunnel_mb']:.3f} MB", "≤ 2 MB"),
        ("  Python heap per tunnel", f"{figures['heap_per_tunnel_mb']:.3f} MB", "tracemalloc"),
        ("client CPU per 100 MiB", f"{figures['cpu_s_per_100mib']:.2f} s", ""),
    ]  # fmt: skip
    for name, value, target in rows:
        print(f"{name:<34} {value:>14}   {target}")


def main() -> None:
    if sys.argv[1:2] == ["--memory-probe"]:
        info, count = json.loads(sys.argv[2]), int(sys.argv[3])
        print(json.dumps(asyncio.run(memory_probe(info, count))))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=64, help="MiB per unpaced transfer")
    args = parser.parse_args()
    figures = asyncio.run(run(args.mib))
    report(figures)
    print(json.dumps({k: round(v, 4) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
