"""The demo self-check: the real services, end to end, on the embedded demo desktop world.

`ssmgui demo check` and `ssmgui --demo --check` run this; CI runs it on the frozen app. It
starts `start_demo_desktop()`, then with the same services the GUI uses — IdentityService
(memory-only secret store, a scripted MFA prompt that answers 123456 and says so),
IdentityFacade, InventoryService and TunnelManager on the native engine with SigV4
verified by the fake data channel — it signs demo-prod in, lists every (profile, region),
opens an HTTP tunnel to demo-web and fetches its page, moves 4 MiB both ways through
demo-files checking SHA-256, and stops everything. Each step prints one line; any failure
raises `DemoCheckError` (or an `SsmGuiError`) with a message a person can act on.
"""

from __future__ import annotations

import asyncio
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path

from ssmgui.core.credentials import MfaRequest
from ssmgui.core.tunnel import TunnelKind, TunnelSpec
from ssmgui.demo.desktop.world import DemoDesktop, start_demo_desktop
from ssmgui.demo.servers.transfer import download, upload
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles, ProfileCache
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.service import IdentityService, utc_now
from ssmgui.services.identity_facade import IdentityFacade
from ssmgui.services.inventory.service import InventoryService
from ssmgui.services.inventory.sessions import ProfileSessions
from ssmgui.services.settings_store import SettingsService
from ssmgui.services.tunnels.engines.native import NativeEngine
from ssmgui.services.tunnels.manager import TunnelManager
from ssmgui.ssm.channel import ChannelOptions

DEMO_CODE = "123456"
SIGN_IN_PROFILE = "demo-prod"
CHECK_BYTES = 4 << 20
WEB_PAGE_MARK = "came through an SSM tunnel from ssmgui"

Say = Callable[[str], None]


class DemoCheckError(Exception):
    """A step of the self-check did not give what it should; the message says which."""


def say(text: str) -> None:
    print(text, file=sys.stdout, flush=True)


class ScriptedPrompt:
    """Answers every MFA prompt with DEMO_CODE, printing that it does; counts the prompts."""

    def __init__(self, out: Say) -> None:
        self._say = out
        self.count = 0

    def __call__(self, request: MfaRequest) -> str:
        self.count += 1
        self._say(
            f"MFA code asked for '{request.profile_name}' ({request.serial_number}): "
            f"answering {DEMO_CODE} (the demo accepts any 6 digits; 000000 shows a wrong code)"
        )
        return DEMO_CODE


def demo_identity(desktop: DemoDesktop, prompt: ScriptedPrompt) -> IdentityService:
    """The real IdentityService on the demo files and fake STS, keeping nothing on disk."""
    files = AwsFiles(desktop.config_file, desktop.credentials_file)
    return IdentityService(
        load_profiles=ProfileCache(files, {}),
        store=SecretStore(None),
        clients=AwsClients(endpoint_url=desktop.sts_endpoint),
        prompt=prompt,
        sso_cache_dir=Path(desktop.config_file).parent / "sso-cache",
    )


async def self_check(out: Say = say) -> None:
    """Run every step (module doc); raises on the first failure, cleaning up first."""
    began = time.perf_counter()
    async with AsyncExitStack() as stack:
        desktop = await start_demo_desktop()
        stack.push_async_callback(desktop.stop)
        desktop.apply_environment()  # restored by desktop.stop()
        out(f"Demo world up in {time.perf_counter() - began:.2f} s: {desktop.sts_endpoint} (STS)")
        prompt = ScriptedPrompt(out)
        identity = demo_identity(desktop, prompt)
        facade = IdentityFacade(identity, ssm_endpoint_for=desktop.ssm_endpoint_for)
        expires = await facade.sign_in(SIGN_IN_PROFILE)
        if expires is None or expires <= utc_now():
            raise DemoCheckError(f"Signing in {SIGN_IN_PROFILE} gave no MFA session expiry.")
        out(f"Signed in {SIGN_IN_PROFILE}: MFA session until {expires:%Y-%m-%d %H:%M} UTC")
        await _check_inventory(desktop, identity, out)
        if prompt.count != 1:
            raise DemoCheckError(f"Expected one MFA prompt for all profiles, got {prompt.count}.")
        manager = TunnelManager(
            api_for=facade.api_for,
            engine=lambda: NativeEngine(ChannelOptions(allowed_hosts=desktop.stream_hosts)),
            settings=SettingsService(None),
        )
        stack.push_async_callback(manager.stop_all)
        await _check_web(desktop, manager, out)
        await _check_transfer(desktop, manager, out)
    out(f"Demo self-check passed in {time.perf_counter() - began:.1f} s: everything stopped.")


async def _check_inventory(desktop: DemoDesktop, identity: IdentityService, out: Say) -> None:
    began = time.perf_counter()
    sessions = ProfileSessions(identity.session_for, endpoint_url_for=desktop.endpoint_for)
    inventory = InventoryService(sessions)
    try:
        results = await inventory.refresh(desktop.pairs)
    finally:
        await inventory.aclose()
    failed = [r for r in results if not r.ok]
    if failed:
        first = failed[0]
        message = first.error.user_message if first.error else "unknown error"
        raise DemoCheckError(f"Listing {first.profile} / {first.region} failed: {message}")
    for result in sorted(results, key=lambda r: (r.profile, r.region)):
        named = sum(1 for i in result.instances if i.display_name != i.instance_id)
        out(f"  {result.profile:<13} {result.region:<13} {len(result.instances):>3} instances"
            f" ({named} named)")  # fmt: skip
    total = sum(len(r.instances) for r in results)
    out(f"Listed {total} instances in {len(results)} profile/region pairs "
        f"in {time.perf_counter() - began:.2f} s")  # fmt: skip


async def _check_web(desktop: DemoDesktop, manager: TunnelManager, out: Say) -> None:
    region = desktop.pairs[0][1]
    instance = desktop.featured["demo-web"]
    spec = TunnelSpec(SIGN_IN_PROFILE, region, instance, TunnelKind.HTTP, 80, label="demo-web")
    tunnel = await manager.open(spec)
    url = f"http://{tunnel.address}/"
    out(f"HTTP tunnel to demo-web ({instance}:80) ready on {tunnel.address} ({tunnel.mode})")
    page = await asyncio.to_thread(_fetch, url)
    if WEB_PAGE_MARK not in page:
        raise DemoCheckError(f"GET {url} did not return the demo web page.")
    out(f"GET {url} → {len(page)} bytes: the welcome page of demo-web")
    await manager.stop(tunnel.tunnel_id)


async def _check_transfer(desktop: DemoDesktop, manager: TunnelManager, out: Say) -> None:
    instance = desktop.featured.get("demo-files")
    if instance is None:
        return
    region = desktop.pairs[0][1]
    spec = TunnelSpec(SIGN_IN_PROFILE, region, instance, TunnelKind.CUSTOM, 9000)
    tunnel = await manager.open(spec)
    for name, move in (("upload", upload), ("download", download)):
        result = await move(tunnel.local_port, CHECK_BYTES)
        if not result.intact:
            raise DemoCheckError(f"The {name} through demo-files arrived corrupted.")
        out(f"{name} of {result.nbytes >> 20} MiB: {result.mb_per_s:.1f} MB/s, SHA-256 matches")
    await manager.stop(tunnel.tunnel_id)


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - our loopback tunnel
        body: bytes = answer.read()
    return body.decode("utf-8", errors="replace")
