"""Open benchmark: launch → first byte echoed back through a new tunnel.

Every `ssh i-…` through `ssmgui ssh-proxy` is a new process and a new session, so the time a
person waits is process start + imports + credentials + StartSession + WebSocket + handshake.
The fake AWS runs in its own process (`python -m ssmgui.demo`, the second core); ssmgui runs
as the user runs it, on AWS files in a private HOME with a static-keys profile whose
`endpoint_url` points at the fake. In one run, with 0 and with 20 ms one-way latency:

1. `ssmgui ssh-proxy` and `ssmgui forward` as processes, launch → first echoed byte (median
   of --runs), beside a bare `python -c pass` launch (the floor no Python tool can beat):
   the proxy handed to its warm helper (`proxy_first_byte_ms`, ssmgui/broker/) and on its
   own (`proxy_cold_first_byte_ms`, SSMGUI_BROKER=off, as the very first one runs);
2. in a running app (the GUI's services, `build_real_services`), request → first echoed byte
   for a warm profile;
3. where a process's time goes: imports, identity, credentials + client, StartSession,
   WebSocket + handshake, first byte (a child process timing the same steps the command runs).

The protocol's round trips are (first byte at 20 ms − first byte at 0 ms) / 40 ms.
Run: python bench/open.py [--runs 10]. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ECHO_INSTANCE = "i-0de0000000000e001"  # python -m ssmgui.demo: port 7 and 22 echo
PROFILE = "bench"
FIRST_BYTE_TIMEOUT_S = 30.0
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def fake_aws(latency_ms: float) -> Iterator[dict[str, Any]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ssmgui.demo", "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield next(json.loads(line) for line in process.stdout if line.startswith("{"))
    finally:
        process.terminate()
        process.wait(10)


def private_home(info: dict[str, Any]) -> dict[str, str]:
    """An environment whose HOME holds AWS files for the fake: ssmgui reads them as it reads
    a user's (botocore resolves `endpoint_url`); no keyring, no user files touched."""
    home = Path(tempfile.mkdtemp(prefix="ssmgui-bench-open-"))
    aws = home / ".aws"
    aws.mkdir()
    (aws / "config").write_text(
        f"[profile {PROFILE}]\nregion = {info['region']}\nendpoint_url = {info['api_url']}\n"
    )
    (aws / "credentials").write_text(
        f"[{PROFILE}]\naws_access_key_id = {info['access_key_id']}\n"
        f"aws_secret_access_key = {info['secret_access_key']}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "PYTHONPATH": str(ROOT),
        "SSMGUI_BROKER": "on",
    }


def command(kind: str, info: dict[str, Any]) -> list[str]:
    common = ["--profile", PROFILE, "--allow-stream-host", info["stream_host"]]
    if kind == "proxy":
        return [sys.executable, "-m", "ssmgui", "ssh-proxy", ECHO_INSTANCE, "22", *common]
    return [sys.executable, "-m", "ssmgui", "forward", ECHO_INSTANCE, "--remote-port", "7",
            *common]  # fmt: skip


def proxy_first_byte(info: dict[str, Any], env: dict[str, str]) -> float:
    """ms from launching `ssmgui ssh-proxy` to the first byte echoed on its stdout."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command("proxy", info), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(b"x")
        child.stdin.flush()
        first = child.stdout.read(1)
        elapsed = (time.perf_counter() - started) * 1000
        if first != b"x":
            raise RuntimeError(f"ssh-proxy echoed {first!r}: {child.communicate()[1]!r}")
        return elapsed
    finally:
        child.stdin.close()
        child.terminate()
        child.wait(10)


def forward_first_byte(info: dict[str, Any], env: dict[str, str]) -> float:
    """ms from launching `ssmgui forward` to the first byte echoed through its port."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command("forward", info), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert child.stdout is not None
    try:
        line = child.stdout.readline()
        if not line.startswith("Port "):
            raise RuntimeError(f"forward said {line!r}: {child.communicate()[1]!r}")
        port = int(line.split()[1])
        with socket.create_connection(("127.0.0.1", port), FIRST_BYTE_TIMEOUT_S) as sock:
            sock.sendall(b"x")
            if sock.recv(1) != b"x":
                raise RuntimeError("forward echoed nothing")
        return (time.perf_counter() - started) * 1000
    finally:
        child.terminate()
        child.wait(10)


def python_floor(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    return (time.perf_counter() - started) * 1000


def median_of(runs: int, measure: Callable[..., float], *args: Any) -> float:
    return statistics.median(measure(*args) for _ in range(runs))


# --- a running app: the GUI's services, warm -------------------------------------------------


async def app_first_byte(info: dict[str, Any], runs: int) -> float:
    """Median ms from TunnelManager.open to the first echoed byte, after one warm-up open."""
    from ssmgui.app.services import build_real_services
    from ssmgui.core.tunnel import TunnelKind, spec_for
    from ssmgui.ssm.channel import ChannelOptions

    services = await build_real_services(
        lambda: None, channel_options=ChannelOptions(allowed_hosts=frozenset({info["stream_host"]}))
    )
    spec = spec_for(PROFILE, info["region"], ECHO_INSTANCE, TunnelKind.CUSTOM, 7)
    times: list[float] = []
    try:
        for attempt in range(runs + 1):
            started = time.perf_counter()
            snapshot = await services.tunnels.open(spec)
            reader, writer = await asyncio.open_connection("127.0.0.1", snapshot.local_port)
            writer.write(b"x")
            await asyncio.wait_for(reader.readexactly(1), FIRST_BYTE_TIMEOUT_S)
            elapsed = (time.perf_counter() - started) * 1000
            writer.close()
            await services.tunnels.stop(snapshot.tunnel_id)
            if attempt:  # the first open is the warm-up (credentials, clients, models)
                times.append(elapsed)
    finally:
        await services.tunnels.stop_all()
        await services.close()
    return statistics.median(times)


def app_probe(info: dict[str, Any], runs: int) -> float:
    return asyncio.run(app_first_byte(info, runs))


# --- where a process's time goes -----------------------------------------------------------


def steps_probe(info: dict[str, Any]) -> dict[str, float]:
    """The ssh-proxy command's steps timed one by one, in this fresh process."""
    marks = [("start", time.perf_counter())]
    from ssmgui.cli import build_parser
    from ssmgui.cli.identity_commands import identity_service
    from ssmgui.cli.sessions import session_api
    from ssmgui.core.tunnel import port_forwarding_request
    from ssmgui.ssm.channel import ChannelOptions
    from ssmgui.ssm.session import LocalListener, PortSession

    marks.append(("imports", time.perf_counter()))
    args = build_parser().parse_args(command("forward", info)[3:])

    async def steps() -> None:
        with identity_service(args) as identity:
            marks.append(("identity", time.perf_counter()))
            api = await session_api(args, identity)
            await api.frozen_credentials()
            marks.append(("credentials_and_client", time.perf_counter()))
            listener = await LocalListener.bind(0)
            endpoint = await api.start(port_forwarding_request(ECHO_INSTANCE, 7, 0))
            marks.append(("start_session", time.perf_counter()))
            options = ChannelOptions(allowed_hosts=frozenset({info["stream_host"]}))
            tunnel = await PortSession.start(endpoint, api, listener, options)
            marks.append(("websocket_and_handshake", time.perf_counter()))
            reader, writer = await asyncio.open_connection("127.0.0.1", tunnel.local_port)
            writer.write(b"x")
            await reader.readexactly(1)
            marks.append(("first_byte", time.perf_counter()))
            writer.close()
            await tunnel.stop(reason="bench")

    asyncio.run(steps())
    return {name: round((at - marks[i][1]) * 1000, 1) for i, (name, at) in enumerate(marks[1:])}


def in_child(probe: str, info: dict[str, Any], env: dict[str, str], runs: int) -> Any:
    out = subprocess.run(
        [sys.executable, __file__, "--probe", probe, json.dumps(info), str(runs)],
        env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"{probe} probe failed: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the run ---------------------------------------------------------------------------------


def warm_helper(info: dict[str, Any], env: dict[str, str]) -> None:
    """Run proxies until one has started the warm helper and it listens."""
    folder = Path(env["XDG_RUNTIME_DIR"]) / "ssmgui"
    deadline = time.monotonic() + 30
    while not any(folder.glob("broker-*.sock")) and time.monotonic() < deadline:
        proxy_first_byte(info, env)
        time.sleep(0.2)
    proxy_first_byte(info, env)  # its first session builds the profile's client


def measure(latency_ms: float, runs: int) -> dict[str, Any]:
    with fake_aws(latency_ms) as info:
        env = private_home(info)
        cold = env | {"SSMGUI_BROKER": "off"}
        proxy_first_byte(info, cold)  # warm the OS file cache for both commands
        try:
            figures: dict[str, Any] = {
                "python_floor_ms": median_of(runs, python_floor, env),
                "proxy_cold_first_byte_ms": median_of(runs, proxy_first_byte, info, cold),
                "forward_first_byte_ms": median_of(runs, forward_first_byte, info, cold),
                "app_first_byte_ms": in_child("app", info, cold, runs),
                "steps_ms": in_child("steps", info, cold, 1),
            }
            warm_helper(info, env)
            figures["proxy_first_byte_ms"] = median_of(runs, proxy_first_byte, info, env)
        finally:
            shutil.rmtree(env["HOME"], ignore_errors=True)  # the helper leaves with its socket
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--probe", nargs=3, metavar=("KIND", "INFO", "RUNS"))
    args = parser.parse_args()
    if args.probe:
        kind, info, runs = args.probe[0], json.loads(args.probe[1]), int(args.probe[2])
        probe = app_probe(info, runs) if kind == "app" else steps_probe(info)
        print(json.dumps(probe))
        return
    at_0 = measure(0.0, args.runs)
    at_20 = measure(20.0, max(3, args.runs // 2))
    for label, figures in (("0 ms", at_0), ("20 ms one-way", at_20)):
        print(f"latency {label}:")
        for name, value in figures.items():
            shown = value if isinstance(value, dict) else f"{value:.1f}"
            print(f"  {name:24} {shown}")
    rtt_count = (at_20["proxy_first_byte_ms"] - at_0["proxy_first_byte_ms"]) / 40.0
    floor = at_0["python_floor_ms"]
    summary = {
        "proxy_first_byte_ms": round(at_0["proxy_first_byte_ms"], 1),
        "forward_first_byte_ms": round(at_0["forward_first_byte_ms"], 1),
        "python_floor_ms": round(floor, 1),
        "proxy_vs_floor": round(at_0["proxy_first_byte_ms"] / floor, 2),
        "app_first_byte_ms": round(at_0["app_first_byte_ms"], 1),
        "app_first_byte_ms_20ms": round(at_20["app_first_byte_ms"], 1),
        "proxy_first_byte_ms_20ms": round(at_20["proxy_first_byte_ms"], 1),
        "proxy_cold_first_byte_ms": round(at_0["proxy_cold_first_byte_ms"], 1),
        "proxy_cold_vs_warm": round(
            at_0["proxy_cold_first_byte_ms"] / at_0["proxy_first_byte_ms"], 1
        ),
        "rtt_count": round(rtt_count, 1),
        "app_rtt_count": round((at_20["app_first_byte_ms"] - at_0["app_first_byte_ms"]) / 40.0, 1),
        "steps_ms": at_0["steps_ms"],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
