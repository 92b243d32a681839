"""`python -m ssmgui.demo`: run the fake AWS with a demo fleet until SIGINT/SIGTERM.

The last line printed before serving is one JSON object with api_url, ec2_url,
stream_host, region, the demo key pair, the instances, `environment` (the variables that
point the real `ssmgui` at the fake, also printed as `export` lines) and ca_bundle, so
benchmarks and tests can start the fake in a separate process (the second core) and read
its endpoints.

`--tls` serves the SSM API, the fake EC2 and the data channel over https:// and wss://
with a certificate of a CA made for the run (in a temporary folder removed on exit); its
bundle is printed and exported as AWS_CA_BUNDLE.

`--recycle-every S` and `--drop-every S` inject the service's WebSocket faults into every
live session on a timer (docs/protocol.md §11 item 9): a close 1000 "Bye", or an abrupt TCP
drop. Only sessions past their handshake are hit, as the hourly recycle never meets a
session still opening. With either timer, SIGINT/SIGTERM prints one more JSON line before
the fake stops: {"faults": {"recycles": n, "drops": n}, "sessions": {sid: {...}}}, what was
injected and what each session saw, for tests and benchmarks to report.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ssmgui.demo.control.kms import DEMO_KEY_ALIAS
from ssmgui.demo.ec2.server import FakeEc2
from ssmgui.demo.exports import add_to_ec2, demo_environment, export_lines
from ssmgui.demo.faults import Faults
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.servers.targets import DemoHttpServer, DigestServer, EchoServer
from ssmgui.demo.servers.tls import LoopbackCertificates
from ssmgui.demo.world import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, FakeAws


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ssmgui.demo", description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="one-way latency")
    parser.add_argument("--pace", action="store_true", help="pace agent output 1 ms per KiB")
    parser.add_argument("--sigv4", choices=("off", "present", "verify"), default="verify")
    parser.add_argument(
        "--recycle-every",
        type=float,
        metavar="S",
        help='close every open session\'s WebSocket with 1000 "Bye" every S seconds',
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve https:// and wss:// with a CA made for this run; prints its bundle and "
        "the environment that points ssmgui at the fake",
    )
    parser.add_argument(
        "--drop-every",
        type=float,
        metavar="S",
        help="abort every open session's WebSocket connection (no close frame) every S seconds",
    )
    return parser.parse_args(argv)


def demo_fleet(echo: EchoServer, digest: DigestServer, web: DemoHttpServer) -> list[FakeInstance]:
    """The demo instances: echo/digest, a web server, a Windows box and an offline one."""
    return [
        FakeInstance(
            "i-0de0000000000e001",
            name="echo-digest",
            ports={7: echo.address, 22: echo.address, 9000: digest.address},
            remote_hosts={("db.internal", 5432): echo.address},
            offers_shell=True,
        ),
        FakeInstance(
            "i-0de0000000000b002",
            name="demo-web",
            ip_address="10.0.0.11",
            ports={80: web.address, 8080: web.address},
            offers_shell=True,
            kms_key_id=DEMO_KEY_ALIAS,  # its shells are KMS-encrypted (docs/protocol.md §14)
        ),
        FakeInstance(
            "i-0de000000000a1003",
            name="windows-rdp",
            platform="Windows",
            ip_address="10.0.0.12",
            ports={3389: echo.address},
        ),
        FakeInstance(
            "i-0de0000000000f004",
            name="offline-box",
            ping_status="ConnectionLost",
            ip_address="10.0.0.13",
        ),
    ]


def _summary(fake: FakeAws) -> dict[str, Any]:
    return {
        "api_url": fake.api_url,
        "stream_host": fake.stream_host,
        "region": fake.region,
        "access_key_id": DEMO_ACCESS_KEY,
        "secret_access_key": DEMO_SECRET_KEY,
        "instances": {
            i.instance_id: {
                "name": i.name,
                "platform": i.platform,
                "ping_status": i.ping_status,
                "ports": {str(port): list(address) for port, address in i.ports.items()},
            }
            for i in fake.instances.values()
        },
    }


def _open_sessions(fake: FakeAws) -> list[str]:
    """Sessions past their handshake with a WebSocket attached: the ones a fault can hit."""
    return [
        sid
        for sid, session in fake.sessions.items()
        if session.mode is not None and session.attached and not session.terminated
    ]


async def _inject_forever(
    fake: FakeAws,
    every_s: float,
    fault: Callable[[str], Awaitable[None]],
    name: str,
    injected: Counter[str],
) -> None:
    """Every `every_s` seconds, `fault` each open session, counting the hits as `name`."""
    while True:
        await asyncio.sleep(every_s)
        for sid in _open_sessions(fake):
            injected[name] += 1
            await fault(sid)


def _report(fake: FakeAws, injected: Counter[str]) -> dict[str, Any]:
    return {
        "faults": {"recycles": injected["recycles"], "drops": injected["drops"]},
        "sessions": {
            sid: {
                "websockets_opened": session.websockets_opened,
                "bytes_from_client": session.bytes_from_client,
                "bytes_to_client": session.bytes_to_client,
                "agent_resends": session.reliability.resends,
                "bad_frames": session.bad_frames,
                "closed_reason": session.closed_reason,
            }
            for sid, session in fake.sessions.items()
        },
    }


async def _stop_all(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel `tasks` and wait for them; one that had failed raises its error here."""
    for task in tasks:
        task.cancel()
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, Exception):
            raise outcome


def _announce(fake: FakeAws, ec2: FakeEc2, ca_bundle: Path | None, sigv4: str) -> dict[str, Any]:
    """Print the endpoints, the exports and the fleet for a person; return the summary."""
    environment = demo_environment(fake.api_url, ec2.url, fake.region, ca_bundle)
    summary = {**_summary(fake), "ec2_url": ec2.url, "environment": environment}
    summary["ca_bundle"] = str(ca_bundle) if ca_bundle is not None else None
    scheme = "wss" if ca_bundle is not None else "ws"
    print(f"Fake SSM API:       {fake.api_url}  (endpoint_url for boto3)")
    print(f"Fake EC2 API:       {ec2.url}")
    print(f"Fake stream host:   {fake.stream_host}  ({scheme}://, SigV4 {sigv4})")
    print(f"Region / demo key:  {fake.region} / {DEMO_ACCESS_KEY}")
    if ca_bundle is not None:
        print(f"CA bundle:          {ca_bundle}  (trust it: AWS_CA_BUNDLE)")
    print(
        "To point ssmgui at it (then: ssmgui list; ssmgui forward … "
        f"--allow-stream-host {fake.stream_host}):"
    )
    for line in export_lines(environment):
        print(f"  {line}")
    for instance_id, info in summary["instances"].items():
        print(
            f"  {instance_id}  {info['name']:<12} {info['platform']:<8} "
            f"{info['ping_status']:<15} ports {', '.join(info['ports']) or '-'}"
        )
    return summary


async def serve(args: argparse.Namespace) -> None:
    with contextlib.ExitStack() as stack:
        certs = None
        if args.tls:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ssmgui-ca-")))
            certs = LoopbackCertificates.make(folder)
        await _serve(args, certs)


async def _serve(args: argparse.Namespace, certs: LoopbackCertificates | None) -> None:
    faults = Faults(latency_s=args.latency_ms / 1000, pace_agent=args.pace)
    tls = certs.server_context() if certs is not None else None
    ec2 = FakeEc2(faults, tls=tls)
    echo, digest, web = EchoServer(), DigestServer(), DemoHttpServer("demo-web")
    for server in (echo, digest, web):
        await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C raises instead
            loop.add_signal_handler(sig, stop.set)
    injected: Counter[str] = Counter()
    injectors: list[asyncio.Task[None]] = []
    try:
        async with FakeAws(faults=faults, sigv4=args.sigv4, tls=tls) as fake:
            fleet = demo_fleet(echo, digest, web)
            for instance in fleet:
                fake.add_instance(instance)
            add_to_ec2(ec2, fleet)
            await ec2.start()
            ca_bundle = certs.ca_file if certs is not None else None
            summary = _announce(fake, ec2, ca_bundle, args.sigv4)
            print(json.dumps(summary), flush=True)
            if args.recycle_every:
                recycles = _inject_forever(
                    fake, args.recycle_every, fake.recycle, "recycles", injected
                )
                injectors.append(loop.create_task(recycles))
            if args.drop_every:
                drops = _inject_forever(
                    fake, args.drop_every, fake.drop_connection, "drops", injected
                )
                injectors.append(loop.create_task(drops))
            await stop.wait()
            if injectors:
                await _stop_all(injectors)
                print(json.dumps(_report(fake, injected)), flush=True)
    finally:
        await ec2.stop()
        for server in (echo, digest, web):
            await server.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
