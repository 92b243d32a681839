"""`ssmgui --demo` and `ssmgui demo serve`: the embedded demo AWS.

Until the GUI lands, `--demo` runs a self-check a newcomer can read: it starts the fake
Session Manager with a small fleet, opens tunnels through the real native client, fetches
the demo web page and moves a few MiB both ways, then stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import urllib.request
from contextlib import AsyncExitStack

import boto3

from ssmgui.core.tunnel import port_forwarding_request
from ssmgui.demo import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, FakeAws, FakeInstance
from ssmgui.demo.targets import DemoHttpServer, DigestServer
from ssmgui.demo.transfer import download, upload
from ssmgui.services.engines.native import open_port_tunnel
from ssmgui.services.session_api import SessionApi, session_api_for
from ssmgui.ssm.channel import ChannelOptions

WEB = "i-0de0000000000a001"
FILES = "i-0de0000000000a002"
CHECK_BYTES = 4 << 20


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser("demo", help="the embedded demo AWS")
    actions = demo.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="self-check: tunnels through the demo AWS")
    check.set_defaults(handler=run_self_check)
    serve = actions.add_parser("serve", help="serve the demo AWS and print its endpoints")
    serve.set_defaults(handler=run_serve)


def run_serve(_args: argparse.Namespace) -> int:
    # The demo server's own entry point, run in this process.
    import runpy  # noqa: PLC0415 - only when asked

    runpy.run_module("ssmgui.demo", run_name="__main__", alter_sys=True)
    return 0


def run_self_check(_args: argparse.Namespace) -> int:
    return asyncio.run(_self_check())


async def _self_check() -> int:
    async with AsyncExitStack() as stack:
        web, files = DemoHttpServer(WEB), DigestServer()
        web_port, files_port = await web.start(), await files.start()
        stack.push_async_callback(web.stop)
        stack.push_async_callback(files.stop)
        fake = await stack.enter_async_context(FakeAws())
        fake.add_instance(FakeInstance(WEB, name="demo-web", ports={80: ("127.0.0.1", web_port)}))
        fake.add_instance(
            FakeInstance(FILES, name="demo-files", ports={9: ("127.0.0.1", files_port)})
        )
        say(f"Demo AWS is up: SSM API {fake.api_url}, data channel {fake.stream_host}")
        api = _demo_api(fake)
        options = ChannelOptions(allowed_hosts=frozenset({fake.stream_host}))
        await _check_web(api, options)
        await _check_transfer(api, options)
    say("Demo self-check passed: every tunnel was stopped and its session terminated.")
    return 0


def _demo_api(fake: FakeAws) -> SessionApi:
    session = boto3.Session(
        aws_access_key_id=DEMO_ACCESS_KEY,
        aws_secret_access_key=DEMO_SECRET_KEY,
        region_name=fake.region,
    )
    return session_api_for(session, profile="demo", endpoint_url=fake.api_url)


async def _check_web(api: SessionApi, options: ChannelOptions) -> None:
    tunnel = await open_port_tunnel(api, port_forwarding_request(WEB, 80), options=options)
    try:
        say(f"HTTP tunnel to {WEB}:80 is ready on 127.0.0.1:{tunnel.local_port} ({tunnel.mode})")
        url = f"http://127.0.0.1:{tunnel.local_port}/"
        page = await asyncio.to_thread(_fetch, url)
        say(f"GET {url} → {len(page)} bytes: {_title(page)}")
    finally:
        await tunnel.stop()


async def _check_transfer(api: SessionApi, options: ChannelOptions) -> None:
    tunnel = await open_port_tunnel(api, port_forwarding_request(FILES, 9), options=options)
    try:
        up = await upload(tunnel.local_port, CHECK_BYTES)
        down = await download(tunnel.local_port, CHECK_BYTES)
        for name, result in (("upload", up), ("download", down)):
            verdict = "SHA-256 matches" if result.intact else "CORRUPTED"
            say(f"{name} of {result.nbytes >> 20} MiB: {result.mb_per_s:.1f} MB/s, {verdict}")
            if not result.intact:
                raise SystemExit(1)
    finally:
        await tunnel.stop()


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - our loopback tunnel
        body: bytes = answer.read()
    return body.decode("utf-8", errors="replace")


def _title(page: str) -> str:
    start, end = page.find("<title>"), page.find("</title>")
    return page[start + 7 : end] if 0 <= start < end else page[:60]


def say(text: str) -> None:
    print(text, file=sys.stdout, flush=True)
