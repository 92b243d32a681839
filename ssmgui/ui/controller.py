"""AppController: the app's state and its async slots — the only place that awaits services.

Views render what the controller's signals say and ask for things through its slots; they
never call a service. Expected failures (`SsmGuiError`) leave through one signal, `failed`,
to the one error door; anything else propagates to the event loop's exception handler,
which the composition root (the `ssmgui.app` package) points at the same door with
details and the log file.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from ssmgui.core.errors import (
    ConfigurationError,
    PasswordNotAvailableError,
    SessionStartError,
    SsmGuiError,
    SsoLoginRequiredError,
    WindowsPasswordError,
)
from ssmgui.core.instance import Instance
from ssmgui.core.instance_choices import InstanceChoice
from ssmgui.core.launch import default_action
from ssmgui.core.profile_marks import ConnectQuestion, favourite_label, is_marked, tunnel_label
from ssmgui.core.regions import named_regions, regions_for, uses_own_regions
from ssmgui.core.settings import Favourite, Settings
from ssmgui.core.sso_roles import chosen_roles
from ssmgui.core.tunnel import TunnelKind, TunnelSnapshot, TunnelSpec, TunnelState, spec_for
from ssmgui.services.aws.partition_regions import region_choices
from ssmgui.services.identity.sso_accounts import AccountRoles
from ssmgui.services.identity.sso_sessions import SsoSession
from ssmgui.services.inventory.service import InventoryService, RegionResult
from ssmgui.services.launch.instance_start import InstanceStarter
from ssmgui.services.launch.windows_password import PassphraseNeededError
from ssmgui.services.launch.windows_passwords import WindowsPasswords
from ssmgui.services.settings_store import SettingsService
from ssmgui.services.tunnels.manager import TunnelManager, favourite_spec
from ssmgui.services.worker_loop import WorkerLoop
from ssmgui.ui.first_run import first_run_text
from ssmgui.ui.instance_model import agent_problem, startable, stopped_problem
from ssmgui.ui.shell_entry import shell_problem
from ssmgui.ui.tunnel_clients import ClientRun, TunnelClients

log = logging.getLogger(__name__)

SSH_SETUP_FRESH_S = 5.0  # how long "has the person an SSH setup?" is taken as known


class IdentityPort(Protocol):
    """What the controller needs from the identity service."""

    def profile_names(self) -> list[str]: ...

    def regions_of(self, profile: str) -> tuple[str, ...]: ...

    async def sign_in(self, profile: str) -> datetime | None: ...

    async def sign_in_each(self, profiles: Sequence[str]) -> None: ...

    def expires_at(self, profile: str) -> datetime | None: ...

    def needs_login(self, profile: str) -> bool: ...

    def forget(self, profile: str) -> None: ...

    def profile_files(self) -> tuple[Path, ...]: ...

    def new_sign_in_round(self) -> None: ...

    async def account_alias(self, profile: str) -> str: ...

    def sso_session_names(self) -> list[str]: ...

    def sso_session_of(self, profile: str) -> SsoSession | None: ...

    async def sso_accounts(self, session_name: str) -> list[AccountRoles]: ...


#: Opens the tunnel's client; the started client to watch, or None when it has none (CUSTOM).
ClientOpener = Callable[[TunnelSnapshot, Instance | None], Awaitable[ClientRun | None]]
#: Opens the person's terminal running `ssmgui shell` on the instance; the started terminal.
ShellOpener = Callable[[Instance], Awaitable[ClientRun]]
#: Asks the person whether to connect to a marked profile; True to connect.
ConnectConfirmer = Callable[[ConnectQuestion], Awaitable[bool]]


@dataclass(frozen=True)
class Notice:
    """Something to tell the person even when the window is closed (a tray notification).

    `sign_in`: the profile whose sign-in starts when the person clicks the notice ("" when
    clicking only opens the window)."""

    title: str
    message: str
    sign_in: str = ""
    stays: bool = False  # also shown in the window until dismissed (a problem to fix)


@dataclass(frozen=True)
class CredentialStatus:
    profile: str
    needs_login: bool
    expires_at: datetime | None


_NEEDS_LOGIN = CredentialStatus("", True, None)  # a profile not checked yet


class AppController(QObject):
    region_listed = Signal(object)  # RegionResult
    region_dropped = Signal(str, str)  # profile, region: no longer chosen in the settings
    regions_waiting = Signal(object)  # [(profile, region)]: listed once the person signs in
    refresh_started = Signal()
    refresh_finished = Signal()
    tunnel_changed = Signal(object)  # TunnelSnapshot
    tunnels_polled = Signal(object)  # list[TunnelSnapshot]: fresh figures, no state change
    tunnels_listed = Signal(object)  # list[TunnelSnapshot]: the whole list (rows cleared)
    credentials_changed = Signal()
    notify = Signal(object)  # Notice
    failed = Signal(object)  # SsmGuiError
    first_run_help = Signal(str)  # no profile at all: what to do (rich text); "" once found
    password_ready = Signal(object, str)  # Instance, its Windows password: never log it
    key_file_needed = Signal(object, str)  # Instance, its key pair's name ("" if unknown)
    passphrase_needed = Signal(object, object)  # Instance, the key file (a Path) it protects

    def __init__(
        self,
        *,
        identity: IdentityPort,
        inventory: InventoryService,
        tunnels: TunnelManager,
        settings: SettingsService,
        open_client: ClientOpener,
        passwords: WindowsPasswords | None = None,
        starter: InstanceStarter | None = None,
        open_shell: ShellOpener | None = None,
        ssh_ready: Callable[[Settings], bool] = lambda _settings: True,
        parent: QObject | None = None,
    ) -> None:
        """`open_shell`: "Open shell" (None: not offered); `ssh_ready`: whether the person
        has an SSH setup ssh could log in with (`shell_launch.known_ssh_setup`) — without
        one, a Linux instance's double-click opens a shell."""
        super().__init__(parent)
        self._identity = identity
        self._inventory = inventory
        self._tunnels = tunnels
        self._settings = settings
        self._open_client = open_client
        self._passwords = passwords
        self.starter = starter  # "Start and connect" on stopped instances (instance_start_ui)
        self._open_shell = open_shell
        self._ssh_ready = ssh_ready
        self._ssh_ready_at: tuple[float, bool] | None = None  # (when asked, the answer)
        self._shell_note_said = False
        self.regions: dict[tuple[str, str], RegionResult] = {}
        self.tunnels: dict[int, TunnelSnapshot] = {}
        self._instance_of_tunnel: dict[int, Instance] = {}
        self._clients = TunnelClients()
        # Tunnels being opened for a client: their "Ready on …" waits for it (said with the
        # client started, or not at all when it cannot be: the error alone is the news).
        self._opening_for_client: set[TunnelSpec] = set()
        self.credentials: dict[str, CredentialStatus] = {}
        self.refreshing = False
        self._refresh_again = False
        # pairs() when last asked: a result for any other pair comes from before a change
        self._chosen: set[tuple[str, str]] = set()
        self._told_configuration = ""  # the AWS-files problem last told, if any
        self._first_run_said = ""  # the first-run help last shown, if any
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker: WorkerLoop | None = None  # where the inventory runs, from the 1st refresh
        # Set by the view: asked before connecting to a marked profile when the settings say
        # so (a dialog is the view's business); None connects without asking.
        self.confirm_connect: ConnectConfirmer | None = None
        self._aliases: dict[str, str] = {}  # profile → its account's alias ("": none)
        tunnels.subscribe(self._on_tunnel)

    # --- running slots from signals --------------------------------------------------------

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a slot coroutine from a signal handler (views' requests, menu actions).

        Tasks are kept until done (asyncio holds only weak references); an unexpected
        exception reaches the loop's exception handler, i.e. the error door, via the task's
        result being retrieved there."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            loop = asyncio.get_running_loop()
            loop.call_exception_handler(
                {"message": "unexpected error", "exception": task.exception(), "task": task}
            )

    # --- state for views ------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings.current

    def profile_names(self) -> list[str]:
        """The profiles shown: the chosen ones, or every usable profile — none while the AWS
        files cannot be read (the person is told why, once per problem) — then the IAM
        Identity Center (account, role) pairs chosen in Settings, by label."""
        roles = [role.label for role in chosen_roles(self.settings.sso_roles)]
        if self.settings.profiles:
            return list(dict.fromkeys([*self.settings.profiles, *roles]))
        try:
            names = list(self._identity.profile_names())
        except ConfigurationError as exc:
            self._configuration_unreadable(exc)
            return roles
        self._told_configuration = ""
        return list(dict.fromkeys([*names, *roles]))

    def sso_session_names(self) -> list[str]:
        """The sso-sessions whose accounts and roles Settings offers."""
        return self._identity.sso_session_names()

    async def sso_accounts(self, session_name: str) -> list[AccountRoles]:
        """The session's accounts and roles (signing in first); credentials re-read."""
        try:
            return await self._identity.sso_accounts(session_name)
        finally:
            self.update_credentials()

    def known_profiles(self) -> list[str]:
        """Every profile Settings offers: those in the AWS files whichever are chosen, then
        chosen ones no longer found — so a choice can always be widened or undone."""
        try:
            found = list(self._identity.profile_names())
        except ConfigurationError:
            found = []  # pairs() tells the person why, once
        return list(dict.fromkeys([*found, *self.settings.profiles]))

    def pairs(self) -> list[tuple[str, str]]:
        """(profile, region) pairs to list: the chosen profiles × their chosen regions."""
        pairs: list[tuple[str, str]] = []
        names = self.profile_names()
        self._say_whether_profiles_are_missing(names)
        for profile in names:
            chosen = self.settings.regions
            try:
                own = self._identity.regions_of(profile) if uses_own_regions(chosen) else ()
                regions = regions_for(chosen, own)
            except ConfigurationError as exc:
                self._configuration_unreadable(exc)
                continue
            pairs.extend((profile, region) for region in regions)
        self._chosen = set(pairs)
        return pairs

    def _say_whether_profiles_are_missing(self, names: list[str]) -> None:
        """With no profile, the window says which files were read and how to add one
        (instead of looking for instances forever); a refresh that finds one clears it."""
        text = ""
        if not names:
            text = first_run_text(
                self._identity.profile_files(),
                configuration_problem=bool(self._told_configuration),
            )
        if text != self._first_run_said:
            self._first_run_said = text
            self.first_run_help.emit(text)

    def _configuration_unreadable(self, error: ConfigurationError) -> None:
        """Tell the person what is wrong with their AWS files; the app runs on without
        those profiles and reads the files again on the next refresh."""
        if error.user_message == self._told_configuration:
            return
        self._told_configuration = error.user_message
        log.warning("AWS configuration: %s", error.user_message)
        self.notify.emit(
            Notice("Your AWS configuration cannot be used", error.user_message, stays=True)
        )

    def region_choices(self) -> tuple[str, ...]:
        """The regions the settings offer: the profiles' partitions' regions (botocore's)."""
        known: list[str] = list(named_regions(self.settings.regions))
        for profile in self.profile_names():
            try:
                known.extend(self._identity.regions_of(profile))
            except ConfigurationError:
                continue  # told once by pairs(); the partition comes from the others
        return region_choices(known)

    def account_of(self, profile: str) -> str:
        """The profile's account id as the listing saw it; "" before its first listing."""
        for (listed, _region), result in self.regions.items():
            if listed == profile:
                account = next((i.account for i in result.instances if i.account), "")
                if account:
                    return account
        return ""

    async def _learn_aliases(self) -> None:
        """Ask once per run for the account alias of each profile listed so far (labels
        name it); a profile whose listing failed is asked after a later listing."""
        listed = {profile for profile, _region in self.regions if self.account_of(profile)}
        asking = sorted(listed - self._aliases.keys())
        self._aliases.update(dict.fromkeys(asking, ""))  # asked: once, even if it fails
        found = await asyncio.gather(*(self._identity.account_alias(p) for p in asking))
        self._aliases.update(zip(asking, found, strict=True))

    def account_name(self, profile: str) -> str:
        """The profile's account as labels name it: its alias, else its id, else ""."""
        return self._aliases.get(profile) or self.account_of(profile)

    def instances(self) -> list[Instance]:
        return [i for result in self.regions.values() for i in result.instances]

    def default_kind(self, instance: Instance) -> TunnelKind:
        """What a double-click opens: the person's own choice for this instance (the
        context menu's "Default action", kept in the settings) before anything else."""
        return self.choice_for(instance).action or self._usual_kind(instance)

    def _usual_kind(self, instance: Instance) -> TunnelKind:
        """What a double-click opens: the instance's `ssmgui:action` tag, else the
        settings' action for its platform (`ssmgui.core.launch.default_action`): a shell
        instead of SSH when the person has no known SSH setup (and shells are offered)."""
        ready = self._open_shell is None or self.ssh_ready()
        tags = dict(instance.tags)
        kind = default_action(instance.platform.value, self.settings, tags, ssh_ready=ready)
        if kind is TunnelKind.SHELL and self._open_shell is None:
            return TunnelKind.SSH  # a tag or setting asking for what this app cannot open
        return kind

    def ssh_ready(self) -> bool:
        """`ssh_ready` for the current settings, asked again at most every few seconds:
        menus ask per instance, and it looks at files (a key made meanwhile counts)."""
        now = time.monotonic()
        if self._ssh_ready_at is None or now - self._ssh_ready_at[0] > SSH_SETUP_FRESH_S:
            self._ssh_ready_at = (now, self._ssh_ready(self.settings))
        return self._ssh_ready_at[1]

    @property
    def offers_shell(self) -> bool:
        return self._open_shell is not None

    # --- inventory ------------------------------------------------------------------------

    def show_cached(self) -> None:
        """The last good listings from disk, at once and marked stale (no network)."""
        for result in self._inventory.cached(self.pairs()):
            self._store_region(result)

    async def refresh(self) -> None:
        """List every chosen region; asked again while listing, list once more after."""
        if self.refreshing:
            self._refresh_again = True
            return
        self.refreshing = True
        self._refresh_again = False
        self.refresh_started.emit()
        self._identity.new_sign_in_round()  # a Cancel answers for the rest of this refresh
        gui_loop = asyncio.get_running_loop()

        def deliver(result: RegionResult) -> None:
            gui_loop.call_soon_threadsafe(self._store_region, result)

        pairs = self.pairs()
        self._say_who_waits(pairs)
        try:
            # Listing thousands of instances is CPU work (signing, XML, cache files): on its
            # own event loop in a worker thread it cannot stall the GUI's loop
            # (docs/architecture.md, "Threads and event loops"). Results come back through
            # the GUI loop, one region at a time.
            if self._worker is None:
                self._worker = WorkerLoop("ssmgui-inventory")
            await self._worker.run(self._inventory.refresh(pairs, deliver))
        finally:
            self.refreshing = False
            self.refresh_finished.emit()
        self.update_credentials()
        self.spawn(self._learn_aliases())
        if self._refresh_again:  # e.g. regions chosen in the settings meanwhile
            await self.refresh()

    def _say_who_waits(self, pairs: list[tuple[str, str]]) -> None:
        """The pairs whose profile needs the person (an MFA code, an SSO sign-in) before it
        can be listed, as last checked: the window says they wait while the others are
        listed (the inventory lists those meanwhile)."""
        waiting = [
            (profile, region)
            for profile, region in pairs
            if (status := self.credentials.get(profile)) is not None and status.needs_login
        ]
        if waiting:
            self.regions_waiting.emit(waiting)

    def _store_region(self, result: RegionResult) -> None:
        key = (result.profile, result.region)
        if key not in self._chosen:
            return  # unchosen in the settings while it was being listed
        previous = self.regions.get(key)
        if result.error is not None and not result.instances and previous is not None:
            # Keep showing what we had, marked stale, with the region's error beside it.
            result = RegionResult(
                result.profile, result.region, previous.instances, result.error,
                previous.fetched_at, stale=True,
            )  # fmt: skip
        self.regions[key] = result
        self.region_listed.emit(result)

    # --- tunnels --------------------------------------------------------------------------

    async def default_action(self, instance: Instance) -> None:
        await self.open_tunnel(instance, self.default_kind(instance))

    async def open_tunnel(self, instance: Instance, kind: TunnelKind) -> None:
        if kind is TunnelKind.SHELL:
            await self.open_shell(instance)
            return
        await self._connect(instance, kind)

    async def open_shell(self, instance: Instance) -> None:
        """The person's terminal running `ssmgui shell` on `instance`; an instance that
        cannot serve one is said through `failed`, and no terminal opens. The first shell
        of the run says what its terminal will ask (the opener's note), once."""
        why = shell_problem(instance)
        if why:
            self.failed.emit(SessionStartError(why))
            return
        if self._open_shell is None:
            return
        account = self._aliases.get(instance.profile) or instance.account
        if not await self._confirmed(instance.profile, instance.display_name, account):
            return
        try:
            run = await self._open_shell(instance)
        except SsmGuiError as exc:
            self.failed.emit(exc)
            return
        if run.note and not self._shell_note_said:
            self._shell_note_said = True
            self.notify.emit(Notice(f"Shell on {instance.display_name}", run.note, stays=True))
        self.spawn(_reaped(run))

    async def connect_custom(
        self, instance: Instance, remote_port: int, local_port: int = 0, remote_host: str = ""
    ) -> None:
        await self._connect(
            instance, TunnelKind.CUSTOM, remote_port, local_port=local_port,
            remote_host=remote_host,
        )  # fmt: skip

    async def _connect(
        self,
        instance: Instance,
        kind: TunnelKind,
        remote_port: int | None = None,
        **options: object,
    ) -> None:
        if not instance.supports_port_forwarding:  # said now, not by a tunnel that hangs
            self.failed.emit(SessionStartError(agent_problem(instance)))
            return
        if startable(instance):  # stopped: say how to start it, not "not connected" alone
            self.failed.emit(SessionStartError(stopped_problem(instance)))
            return
        account = self._aliases.get(instance.profile) or instance.account
        if not await self._confirmed(instance.profile, instance.display_name, account):
            return
        try:
            label = tunnel_label(kind, instance.display_name, instance.profile, account)
            spec = spec_for(
                instance.profile, instance.region, instance.instance_id, kind, remote_port,
                label=label, **options,
            )  # fmt: skip
            live = self._live_tunnel_like(spec)
            if live is not None:  # a second double-click: its client again, not a new port
                if live.state is TunnelState.READY:
                    await self._launch_client(live, self._instance_of_tunnel.get(live.tunnel_id))
                return
            await self._open_for_client(spec, instance)
        except SsmGuiError as exc:
            self.failed.emit(exc)

    async def open_favourite(self, favourite: Favourite) -> None:
        profile = favourite.spec.profile
        if not await self._confirmed(profile, favourite.name):
            return
        spec = favourite_spec(favourite)
        label = favourite_label(favourite.name, profile, self.account_name(profile))
        try:
            await self._open_for_client(replace(spec, label=label), None)
        except SsmGuiError as exc:
            self.failed.emit(exc)

    async def _confirmed(self, profile: str, target: str, account: str = "") -> bool:
        """Whether to go on connecting to `profile`: asks through `confirm_connect` when the
        profile is marked and the settings want a confirmation; True otherwise."""
        settings = self.settings
        if not settings.confirm_marked or self.confirm_connect is None:
            return True
        if not is_marked(profile, settings.profile_colours):
            return True
        return await self.confirm_connect(
            ConnectQuestion(profile, account or self.account_name(profile), target)
        )

    async def stop_tunnel(self, tunnel_id: int) -> None:
        await self._tunnels.stop(tunnel_id)

    async def reopen_client(self, tunnel_id: int) -> None:
        snapshot = self.tunnels.get(tunnel_id)
        if snapshot is None or snapshot.state is not TunnelState.READY:
            return
        try:
            await self._launch_client(snapshot, self._instance_of_tunnel.get(tunnel_id))
        except SsmGuiError as exc:
            self.failed.emit(exc)

    def _live_tunnel_like(self, spec: TunnelSpec) -> TunnelSnapshot | None:
        """A tunnel not yet ended to the same place for the same client as `spec` (CUSTOM
        tunnels are never reused: a person asking again may want another local port)."""
        if spec.kind is TunnelKind.CUSTOM:
            return None
        for snapshot in self._tunnels.snapshots():  # includes tunnels still starting
            if not snapshot.state.is_final and _same_place(snapshot.spec, spec):
                return snapshot
        return None

    async def _open_for_client(self, spec: TunnelSpec, instance: Instance | None) -> None:
        """Open a tunnel, then its client; one notification once both are done ("Ready on
        …" and what the client cannot show), or the client's error alone (raised)."""
        self._opening_for_client.add(spec)
        try:
            snapshot = await self._tunnels.open(spec)
        finally:
            self._opening_for_client.discard(spec)
        if instance is not None:
            self._instance_of_tunnel[snapshot.tunnel_id] = instance
        try:
            await self._launch_client(snapshot, instance, ready=f"Ready on {snapshot.address}.")
        except SsmGuiError as exc:
            # The tunnel stays open: the error says how to fix the client (install it,
            # change the setting), after which "Open again" or another double-click starts
            # it on this tunnel with no new session or MFA code; meanwhile "Copy address"
            # serves another client. Closing it would throw away a session just given.
            self._clients.not_started(snapshot.tunnel_id, exc.user_message)
            self._show_client(snapshot.tunnel_id)
            raise

    async def _launch_client(
        self, snapshot: TunnelSnapshot, instance: Instance | None, *, ready: str = ""
    ) -> None:
        """Open the tunnel's client and watch it: its row says when and how it exits.
        `ready` (a new tunnel's "Ready on …") is said once the client started, with the
        client's note, in one notification."""
        run = await self._open_client(snapshot, instance)
        note = run.note if run is not None else ""  # e.g. the demo has no RDP/SSH server
        if ready or note:
            message = " ".join(part for part in (ready, note) if part)
            self.notify.emit(Notice(snapshot.spec.title, message, stays=bool(note)))
        if run is None:
            return
        self._clients.started(snapshot.tunnel_id, run)
        self._show_client(snapshot.tunnel_id)
        self.spawn(self._watch_client(snapshot.tunnel_id, run))

    async def _watch_client(self, tunnel_id: int, run: ClientRun) -> None:
        ended = await self._clients.watch(tunnel_id, run)
        snapshot = self._show_client(tunnel_id)
        if snapshot is None:
            return
        if ended.code != 0:
            self.notify.emit(Notice(snapshot.spec.title, f"{ended.text}."))
        closes = ended.last_one and not ended.handed_off and not snapshot.state.is_final
        if closes and self.settings.close_tunnel_with_client:
            log.info("tunnel %d: its client exited, closing it as the settings ask", tunnel_id)
            await self._tunnels.stop(tunnel_id)

    def _show_client(self, tunnel_id: int) -> TunnelSnapshot | None:
        """Put the client's line on the listed tunnel and tell the views; None if unlisted."""
        snapshot = self.tunnels.get(tunnel_id)
        if snapshot is None:
            return None
        snapshot = self.tunnels[tunnel_id] = self._clients.dress(snapshot)
        self.tunnel_changed.emit(snapshot)
        return snapshot

    def poll_tunnels(self) -> None:
        """Fresh figures (bytes, connections, uptime, last error) of the tunnels not yet
        ended, as one `tunnels_polled`; no notification, no state change. Cheap (counters
        read in place): for views to call about once a second while they are shown."""
        fresh = [
            self._clients.dress(snapshot)
            for snapshot in self._tunnels.snapshots()
            if snapshot.tunnel_id in self.tunnels and not snapshot.state.is_final
        ]
        for snapshot in fresh:
            self.tunnels[snapshot.tunnel_id] = snapshot
        if fresh:
            self.tunnels_polled.emit(fresh)

    def clear_finished(self) -> None:
        """Unlist stopped and failed tunnels; the views get the list that remains."""
        for tunnel_id in self._tunnels.forget_finished():
            self.tunnels.pop(tunnel_id, None)
            self._instance_of_tunnel.pop(tunnel_id, None)
            self._clients.forget(tunnel_id)
        self.tunnels_listed.emit(list(self.tunnels.values()))

    async def stop_all(self) -> None:
        await self._tunnels.stop_all()

    async def close(self) -> None:
        """Quitting: every tunnel stopped (TerminateSession), then every background task
        (refresh, expiry monitor, auto-start) cancelled and awaited, so nothing runs on."""
        await self.stop_all()
        tasks = [task for task in self._tasks if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._worker is not None:
            await self._worker.run(self._inventory.aclose())  # its kept connections
            await self._worker.close()

    def add_favourite(self, spec: TunnelSpec, name: str) -> None:
        """A new favourite, beside any other profile's with the same name (Settings says
        how names stay unique); adding an existing one changes nothing."""
        favourite = Favourite(name, replace(spec, label="", reason=None))
        self._settings.update(self.settings.with_favourite(favourite))

    def save_favourites(self, favourites: Sequence[Favourite]) -> None:
        """The favourites as the Favourites dialog left them (renamed, removed, reordered,
        auto-start toggled)."""
        try:
            self._settings.update(replace(self.settings, favourites=tuple(favourites)))
        except SsmGuiError as exc:
            self.failed.emit(exc)

    def _on_tunnel(self, snapshot: TunnelSnapshot) -> None:
        snapshot = self._clients.dress(snapshot)
        previous = self.tunnels.get(snapshot.tunnel_id)
        self.tunnels[snapshot.tunnel_id] = snapshot
        self.tunnel_changed.emit(snapshot)
        message = _transition_message(previous, snapshot)
        if snapshot.state is TunnelState.READY and snapshot.spec in self._opening_for_client:
            message = None  # said once its client started (_open_for_client)
        if message is not None:
            self.notify.emit(Notice(snapshot.spec.title, message))

    # --- per-instance choices and Windows passwords ---------------------------------------

    def choice_for(self, instance: Instance) -> InstanceChoice:
        """What the person chose for `instance` (empty: as the settings and tags say)."""
        return self.settings.choice_for(instance.profile, instance.region, instance.instance_id)

    def choose(self, instance: Instance, choice: InstanceChoice) -> None:
        """Remember `choice` for `instance` in the settings (empty: forget it)."""
        where = (instance.profile, instance.region, instance.instance_id)
        self._keep_settings(self.settings.with_choice(*where, choice))

    async def windows_password(
        self, instance: Instance, key_file: Path | None = None, passphrase: bytes | None = None
    ) -> None:
        """`instance`'s Administrator password to `password_ready` (never to a log).

        EC2's password data is read first, so nobody chooses a key for a password that is
        not generated yet (`PasswordNotAvailableError` says so through `failed`). Without
        `key_file`, the file remembered for the instance's key pair is used; with none,
        `key_file_needed` asks the view, which calls this again with the chosen file. A file
        that decrypts is remembered for its key pair; a remembered one that no longer
        matches is forgotten, so the next attempt asks again. A key with a passphrase asks
        for it through `passphrase_needed` (the view calls again with it); it is never kept.
        """
        if self._passwords is None:
            return
        passwords, remembered = self._passwords, ""
        where = (instance.profile, instance.region, instance.instance_id)
        try:
            data = await asyncio.to_thread(passwords.password_data, *where)
            key_name = await asyncio.to_thread(passwords.key_name, *where)
            remembered = self.settings.key_files.get(key_name, "") if key_name else ""
            chosen = key_file or (Path(remembered) if remembered else None)
            if chosen is None:
                self.key_file_needed.emit(instance, key_name)
                return
            password = await asyncio.to_thread(passwords.decrypt, data, chosen, passphrase)
        except PassphraseNeededError:
            self.passphrase_needed.emit(instance, chosen)
            return
        except SsmGuiError as exc:
            if remembered and key_file is None and _key_refused(exc):
                self._keep_settings(self.settings.with_key_file(key_name, ""))
            self.failed.emit(exc)
            return
        if key_name and key_file is not None:
            self._keep_settings(self.settings.with_key_file(key_name, str(key_file)))
        self.password_ready.emit(instance, password)

    def _keep_settings(self, settings: Settings) -> None:
        """Keep `settings`; a file that cannot be written is told through `failed`."""
        try:
            self._settings.update(settings)
        except SsmGuiError as exc:
            self.failed.emit(exc)

    # --- credentials ----------------------------------------------------------------------

    def update_credentials(self) -> None:
        for profile in self.profile_names():
            try:
                status = CredentialStatus(
                    profile,
                    self._identity.needs_login(profile),
                    self._identity.expires_at(profile),
                )
            except SsmGuiError as exc:
                log.info("no credential status for %s: %s", profile, exc.user_message)
                status = CredentialStatus(profile, True, None)
            self.credentials[profile] = status
        self.credentials_changed.emit()

    async def sign_in(self, profile: str) -> None:
        try:
            await self._identity.sign_in(profile)
        except SsmGuiError as exc:
            self.failed.emit(exc)
        self.update_credentials()
        await self._list_again_after_sso([profile])

    async def sign_in_each(self, profiles: list[str]) -> None:
        """One after another, one MFA code per source profile: a role signing in through a
        profile renewed just before needs no second code."""
        try:
            await self._identity.sign_in_each(profiles)
        except SsmGuiError as exc:
            self.failed.emit(exc)
        self.update_credentials()
        await self._list_again_after_sso(profiles)

    async def _list_again_after_sso(self, profiles: list[str]) -> None:
        """Regions that could not be listed for want of an IAM Identity Center sign-in are
        listed again once it is done (an MFA code is asked inside the listing itself)."""
        signed_in = {p for p in profiles if not self.credentials.get(p, _NEEDS_LOGIN).needs_login}
        if any(
            isinstance(result.error, SsoLoginRequiredError) and result.profile in signed_in
            for result in self.regions.values()
        ):
            await self.refresh()

    async def forget(self, profile: str) -> None:
        try:
            self._identity.forget(profile)
        except SsmGuiError as exc:
            self.failed.emit(exc)
        self.update_credentials()

    def credentials_expiring(self, profile: str, expires_at: datetime) -> None:
        """From the expiry monitor: say so before tunnels start failing, and offer to sign
        in again with a click on the notice (the MFA dialog, or for an IAM Identity Center
        profile or (account, role) pair its sign-in page: it says "sign in", not MFA)."""
        at = f"{expires_at.astimezone():%H:%M}"
        if self._identity.sso_session_of(profile) is not None:
            title = f"{profile}: IAM Identity Center sign-in ends at {at}"
            how = "Click to sign in again (IAM Identity Center) and keep tunnels running."
        else:
            title = f"{profile}: credentials expire at {at}"
            how = "Click to sign in again (MFA) and keep tunnels running."
        self.notify.emit(Notice(title, how, sign_in=profile))
        self.update_credentials()

    def save_settings(self, settings: Settings) -> None:
        """Save and apply at once: regions no longer chosen leave the window, newly chosen
        ones are listed (a refresh), and the profiles' credential lines follow."""
        before = set(self.pairs())
        try:
            self._settings.update(settings)
        except SsmGuiError as exc:
            self.failed.emit(exc)
            return
        after = set(self.pairs())
        for profile, region in sorted(before - after):
            self.regions.pop((profile, region), None)
            self.region_dropped.emit(profile, region)
        self.update_credentials()
        if after - before:
            self.spawn(self.refresh())


async def _reaped(run: ClientRun) -> None:
    """Wait for a shell's terminal to exit (its status is the terminal's, not the
    shell's: the held window has shown that already)."""
    await run.wait()


def _same_place(listed: TunnelSpec, asked: TunnelSpec) -> bool:
    """Whether `listed` serves what `asked` asks for (a fixed local port must match too)."""
    return (
        (listed.profile, listed.region, listed.instance_id, listed.kind)
        == (asked.profile, asked.region, asked.instance_id, asked.kind)
        and (listed.remote_port, listed.remote_host) == (asked.remote_port, asked.remote_host)
        and asked.local_port in (0, listed.local_port)
    )


def _key_refused(error: SsmGuiError) -> bool:
    """The key file was the problem (unreadable, or not the instance's key pair)."""
    return isinstance(error, WindowsPasswordError) and not isinstance(
        error, PasswordNotAvailableError
    )


def _transition_message(previous: TunnelSnapshot | None, now: TunnelSnapshot) -> str | None:
    """What a notification should say about a state change, if anything."""
    before = previous.state if previous is not None else None
    if now.state is before:
        return None
    if now.state is TunnelState.READY:
        if before is TunnelState.RECONNECTING:
            return f"Reconnected on {now.address}."
        return f"Ready on {now.address}."
    if now.state is TunnelState.RECONNECTING:
        return f"Connection dropped; reconnecting. {now.detail}"
    if now.state is TunnelState.FAILED:
        return now.detail or "The tunnel failed."
    return None
