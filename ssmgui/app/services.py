"""Building the GUI's services: on the user's AWS, or on the embedded demo world.

The only place (with the CLI) that constructs services and wires the demo in.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from ssmgui.core.credentials import IdentitySettings
from ssmgui.core.settings import Engine, Settings
from ssmgui.core.tunnel import TunnelKind
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles, ProfileCache
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.identity.sso import sso_cache_dir
from ssmgui.services.identity.sso_accounts import SsoDirectory
from ssmgui.services.identity.sso_login import SsoSignIn
from ssmgui.services.identity.sso_role_profiles import SsoRoleProfiles
from ssmgui.services.identity_facade import IdentityFacade
from ssmgui.services.inventory.cache import InventoryCache
from ssmgui.services.inventory.service import InventoryService
from ssmgui.services.inventory.sessions import ProfileSessions
from ssmgui.services.launch.instance_connect import EphemeralKey, InstanceConnect, PushedKeys
from ssmgui.services.launch.instance_start import InstanceStarter
from ssmgui.services.launch.launcher import Launcher
from ssmgui.services.launch.windows_passwords import WindowsPasswords
from ssmgui.services.owned_temp_dirs import owned_temp_dir, remove_leftovers
from ssmgui.services.settings_store import SettingsService, SettingsStore
from ssmgui.services.tunnels.engines.base import TunnelEngine
from ssmgui.services.tunnels.engines.native import NativeEngine
from ssmgui.services.tunnels.engines.off_thread import OffThreadEngine
from ssmgui.services.tunnels.engines.plugin.engine import PluginEngine
from ssmgui.services.tunnels.engines.plugin.locator import PluginLocator
from ssmgui.services.tunnels.leftover_sessions import sweep_meanwhile
from ssmgui.services.tunnels.manager import TunnelManager
from ssmgui.services.tunnels.session_record import SessionRecord
from ssmgui.services.worker_loop import WorkerLoop
from ssmgui.ssm.channel import ChannelOptions
from ssmgui.ui.mfa_prompt import GuiMfaPrompt
from ssmgui.ui.sso_sign_in_dialog import SsoSignInWindow

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ssmgui.demo.desktop.world import DemoDesktop

ParentFor = Callable[[], QWidget | None]
Closer = Callable[[], Awaitable[None]]

DEMO_CACHE_PREFIX = "ssmgui-demo-cache-"


@dataclass
class AppServices:
    """Everything the GUI needs. `closers` run on quit, last built first."""

    identity: IdentityService
    facade: IdentityFacade
    inventory: InventoryService
    tunnels: TunnelManager
    settings: SettingsService
    launcher: Launcher
    prompt: GuiMfaPrompt
    closers: list[Closer] = field(default_factory=list)
    banner: str = ""  # a first message for the person (demo hints, memory-only keyring)
    demo: DemoDesktop | None = None  # the embedded world, when running on it
    passwords: WindowsPasswords | None = None  # Windows passwords, on the same sign-ins
    secrets: SecretStore | None = None  # the OS keyring's store: told when it refuses, closed
    pushed_keys: PushedKeys | None = None  # "Connect SSH" with EC2 Instance Connect
    starter: InstanceStarter | None = None  # "Start and connect" on stopped instances

    async def close(self) -> None:
        """Run every closer even if one fails; failures are logged, not raised (on quit)."""
        for close in reversed(self.closers):
            try:
                await close()
            except Exception:
                log.exception("closing %s failed", getattr(close, "__qualname__", close))


def _utc_now() -> datetime:
    return datetime.now(UTC)


def sso_roles(
    sso: SsoSignIn, clients: AwsClients, config_file: Callable[[], Path], settings: SettingsService
) -> SsoRoleProfiles:
    """The (account, role) pairs chosen in Settings, as profiles; they follow the settings."""
    roles = SsoRoleProfiles(sso, SsoDirectory(sso, clients, _utc_now), config_file, _utc_now)
    roles.choose(settings.current.sso_roles)
    settings.subscribe(lambda chosen: roles.choose(chosen.sso_roles))
    return roles


def identity_settings(settings: Settings) -> IdentitySettings:
    return IdentitySettings(
        session_seconds=settings.mfa_duration_s,
        warn_before=timedelta(seconds=settings.expiry_warning_s),
    )


def native_engine(
    data_loop: WorkerLoop,
    options: ChannelOptions | None = None,
    record: SessionRecord | None = None,
) -> TunnelEngine:
    """Our own data channel, its bytes moved on `data_loop` (see engines/off_thread.py), its
    sessions in `record` while they live."""
    return OffThreadEngine(NativeEngine(options, record=record), data_loop)


def engine_for(
    settings: Settings,
    data_loop: WorkerLoop,
    options: ChannelOptions | None = None,
    record: SessionRecord | None = None,
) -> TunnelEngine:
    """The user's engine: native by default; the plugin engine when chosen and installed (its
    bytes move in the plugin's process, so it stays on the GUI's loop; its plugins are
    recorded and reaped by engines/plugin/reaper.py)."""
    if settings.engine is Engine.PLUGIN:
        return PluginEngine(PluginLocator(settings.plugin_path or None), probe=None)
    return native_engine(data_loop, options, record)


def started_pushed_keys(
    identity: IdentityService,
    endpoint_for: Callable[[str, str, str], str | None] | None = None,
) -> tuple[PushedKeys, Closer]:
    """The run's EC2 Instance Connect key (crashed runs' key folders removed first); the
    closer removes its private file on quit."""
    EphemeralKey.remove_leftovers()
    keys = PushedKeys(InstanceConnect(identity.session_for, endpoint_for))

    async def close() -> None:
        keys.close()

    return keys, close


def started_launcher(
    notes: Mapping[TunnelKind, str] | None = None, known_hosts: Path | None = None
) -> tuple[Launcher, Closer]:
    """The launcher (`notes`, `known_hosts` as in `Launcher`), after removing crashed runs'
    .rdp folders; the closer removes this run's on quit, when a client may still be open."""
    launcher = Launcher(notes=notes, known_hosts=known_hosts)
    launcher.remove_leftovers()

    async def close() -> None:
        launcher.close()

    return launcher, close


async def build_real_services(
    parent: ParentFor, *, channel_options: ChannelOptions | None = None
) -> AppServices:
    """The GUI's services on the user's AWS. `channel_options` are for tests that point
    them at a fake AWS in another process (its stream host is no AWS one)."""
    settings = SettingsService(SettingsStore())
    prompt = GuiMfaPrompt(asyncio.get_running_loop(), parent)
    files = AwsFiles.from_environment()
    # Built on the GUI thread, which must never wait for the keyring (a prompt can take
    # minutes): its reads answer from what this run knows (secrets.py).
    store = SecretStore.from_system(never_wait_on=threading.current_thread())
    identity = IdentityService(
        load_profiles=ProfileCache(files),
        store=store,
        clients=AwsClients(),
        prompt=prompt,
        sso_cache_dir=sso_cache_dir(Path.home()),
        settings=identity_settings(settings.current),
    )
    settings.subscribe(lambda chosen: identity.apply_settings(identity_settings(chosen)))
    # "Sign in" on an IAM Identity Center profile opens the person's browser (sso_login.py).
    # Its dialog shows the address or code to use, with Cancel (ui/sso_sign_in_dialog.py).
    sign_in_ui = SsoSignInWindow(asyncio.get_running_loop(), parent).ui()
    sso = SsoSignIn(AwsClients(), sso_cache_dir(Path.home()), _utc_now, sign_in_ui)
    roles = sso_roles(sso, AwsClients(), lambda: AwsFiles.from_environment().config, settings)
    facade = IdentityFacade(identity, sso=sso, roles=roles)
    inventory = InventoryService(ProfileSessions(facade.session_for), cache=InventoryCache())
    data_loop = WorkerLoop("ssmgui-tunnels")
    record = SessionRecord()
    tunnels = TunnelManager(
        api_for=facade.api_for,
        engine=lambda: engine_for(settings.current, data_loop, channel_options, record),
        settings=settings,
    )
    stop_sweeping = sweep_meanwhile(identity)
    launcher, close_launcher = started_launcher()
    keys, close_keys = started_pushed_keys(identity)
    banner = "" if store.persistent else (
        "No usable OS keyring was found: MFA sessions are kept in memory only and you will be "
        "asked again after a restart."
    )  # fmt: skip
    return AppServices(identity, facade, inventory, tunnels, settings, launcher, prompt,
                       closers=[stop_sweeping, data_loop.close, close_launcher, close_keys],
                       passwords=WindowsPasswords(facade.session_for),
                       banner=banner, secrets=store, pushed_keys=keys,
                       starter=InstanceStarter(facade.session_for))  # fmt: skip


#: The demo's MFA sessions last the shortest time STS allows, and the warning comes 14 of the
#: 15 minutes early: a newcomer sees the renewal notice (and its one-click MFA dialog) within
#: the first minute or so instead of after hours. "Connect SSH" pushes the run's key with
#: EC2 Instance Connect, so a double-click on demo-ssh logs in to its SSH server.
DEMO_SETTINGS = Settings(mfa_duration_s=900, expiry_warning_s=840, ssh_push_key=True)


async def build_demo_services(parent: ParentFor, *, sso_profile: bool = True) -> AppServices:
    """The GUI's services on the embedded demo world; `sso_profile`: with its IAM
    Identity Center profile demo-sso-sandbox (demo/desktop/sso.py; False: only its
    sso-session)."""
    from ssmgui.demo.desktop.sso import REFRESH_WINDOW  # noqa: PLC0415 - the demo only
    from ssmgui.demo.desktop.world import start_demo_desktop  # noqa: PLC0415
    from ssmgui.demo.sso.browser import visit  # noqa: PLC0415

    desktop = await start_demo_desktop(sso_profile=sso_profile)
    restore = desktop.apply_environment()
    # Its sessions end with the embedded world, so the demo records none; its cache folder
    # goes on quit, and a crashed demo's at the next demo's start.
    remove_leftovers(DEMO_CACHE_PREFIX)
    cache_dir = owned_temp_dir(DEMO_CACHE_PREFIX)
    settings = SettingsService(None)  # the demo never touches the user's settings
    settings.update(DEMO_SETTINGS)
    prompt = GuiMfaPrompt(asyncio.get_running_loop(), parent)
    files = AwsFiles(desktop.config_file, desktop.credentials_file)
    clients = AwsClients(endpoint_url=desktop.sts_endpoint, sso_endpoint_url=desktop.sso.url)
    identity = IdentityService(
        load_profiles=ProfileCache(files, {}),
        store=SecretStore(None),  # …nor the user's keyring
        clients=clients,
        prompt=prompt,
        sso_cache_dir=cache_dir / "sso",
        settings=identity_settings(DEMO_SETTINGS),
    )
    settings.subscribe(lambda chosen: identity.apply_settings(identity_settings(chosen)))
    # The demo's IAM Identity Center sign-in completes on its own page (demo/sso/browser.py).
    sign_in_ui = SsoSignInWindow(asyncio.get_running_loop(), parent).ui(open_browser=visit)
    sso = SsoSignIn(clients, cache_dir / "sso", _utc_now, sign_in_ui,
                    refresh_window=REFRESH_WINDOW)  # fmt: skip
    roles = sso_roles(sso, clients, lambda: desktop.config_file, settings)
    facade = IdentityFacade(
        identity, ssm_endpoint_for=desktop.ssm_endpoint_for, sso=sso, roles=roles
    )
    inventory = InventoryService(
        ProfileSessions(facade.session_for, endpoint_url_for=desktop.endpoint_for),
        cache=InventoryCache(cache_dir),
    )
    options = ChannelOptions(allowed_hosts=desktop.stream_hosts)
    data_loop = WorkerLoop("ssmgui-tunnels")
    tunnels = TunnelManager(
        api_for=facade.api_for, engine=lambda: native_engine(data_loop, options), settings=settings
    )

    async def close_demo() -> None:
        try:
            await desktop.stop()
        finally:
            restore()
            shutil.rmtree(cache_dir, ignore_errors=True)

    # ssh trusts demo-ssh's host key of this run from the demo's own known_hosts file.
    launcher, close_launcher = started_launcher(desktop.client_notes, desktop.known_hosts_file)
    keys, close_keys = started_pushed_keys(identity, desktop.endpoint_for)
    return AppServices(identity, facade, inventory, tunnels, settings, launcher, prompt,
                       passwords=WindowsPasswords(facade.session_for, desktop.endpoint_for),
                       closers=[close_demo, data_loop.close, close_launcher, close_keys],
                       pushed_keys=keys,
                       # the demo's instances start in seconds: look more often
                       starter=InstanceStarter(facade.session_for, desktop.endpoint_for,
                                               poll_every_s=0.5),
                       banner=desktop.welcome,
                       demo=desktop)  # fmt: skip
