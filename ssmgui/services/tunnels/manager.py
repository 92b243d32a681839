"""TunnelManager: every tunnel's lifecycle, reconnect policy, ports and stats.

Two tiers keep a tunnel up. The engine resumes the *session* when its WebSocket drops
(ResumeSession, no byte lost). When the session itself is gone — the resume budget ran out,
ResumeSession was refused (session-manager-plugin#136), the network was away too long — the
manager starts a *new* session on the same local port, with backoff, asking the identity
layer for credentials again (which may prompt for MFA). A session the service ended on
purpose (idle timeout, terminated elsewhere) is not restarted: that is the user's
administrators' policy, and the tunnel says so.

States: starting → ready → (reconnecting → ready)* → stopped | failed(reason).
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import itertools
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from ssmgui.core.errors import (
    ConfigurationError,
    CredentialsError,
    SessionEndedByServiceError,
    SsmGuiError,
)
from ssmgui.core.settings import Favourite
from ssmgui.core.tunnel import (
    TunnelKind,
    TunnelSnapshot,
    TunnelSpec,
    TunnelState,
    TunnelStats,
    session_reason,
)
from ssmgui.services.settings_store import SettingsService
from ssmgui.services.tunnels.engines.base import RunningTunnel, TunnelEngine
from ssmgui.services.tunnels.local_ports import LAN_HOSTS, choose_local_port
from ssmgui.services.tunnels.session_api import SessionApi
from ssmgui.ssm.session import LOOPBACK_HOSTS

log = logging.getLogger(__name__)

ApiFactory = Callable[[str, str], Awaitable[SessionApi]]  # (profile, region) → fresh api
Listener = Callable[[TunnelSnapshot], None]


@dataclass(frozen=True)
class ReconnectPolicy:
    attempts: int = 6
    first_delay_s: float = 1.0
    max_delay_s: float = 30.0
    keepalive_interval_s: float = 240.0  # below the service's default 20 min idle timeout

    def delays(self) -> list[float]:
        delay, out = self.first_delay_s, []
        for _ in range(self.attempts):
            out.append(delay)
            delay = min(delay * 2, self.max_delay_s)
        return out


class TunnelManager:
    def __init__(
        self,
        *,
        api_for: ApiFactory,
        engine: Callable[[], TunnelEngine],
        settings: SettingsService,
        policy: ReconnectPolicy | None = None,
        platform: str = sys.platform,
    ) -> None:
        self._api_for = api_for
        self._engine = engine
        self._settings = settings
        self._policy = policy or ReconnectPolicy()
        self._platform = platform
        self._ids = itertools.count(1)
        self._tunnels: dict[int, ManagedTunnel] = {}
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Called with a fresh snapshot on every state change (for views, notifications),
        starting with the tunnel's first, `starting`, as soon as it is asked for."""
        self._listeners.append(listener)

    def snapshots(self) -> list[TunnelSnapshot]:
        """Every listed tunnel now, with its current byte counts and uptime: cheap (counters
        read in place, no I/O), so views may poll it while they are shown."""
        return [tunnel.snapshot() for tunnel in self._tunnels.values()]

    def get(self, tunnel_id: int) -> TunnelSnapshot:
        return self._tunnels[tunnel_id].snapshot()

    async def open(self, spec: TunnelSpec) -> TunnelSnapshot:
        """Open a tunnel and return once it is ready; on failure raise (nothing is left
        running, and the failed tunnel stays listed with its reason)."""
        tunnel = ManagedTunnel(next(self._ids), spec, self)
        self._tunnels[tunnel.tunnel_id] = tunnel
        self._changed(tunnel)  # listed at once: a second request can find it starting
        await tunnel.start()
        return tunnel.snapshot()

    async def stop(self, tunnel_id: int) -> None:
        await self._tunnels[tunnel_id].stop()

    async def stop_all(self) -> None:
        """Stop every tunnel (TerminateSession each): on quit."""
        await asyncio.gather(*(t.stop() for t in self._tunnels.values()))

    def forget_finished(self) -> list[int]:
        """Unlist every stopped or failed tunnel; the ids unlisted."""
        finished = [i for i, t in self._tunnels.items() if t.state.is_final]
        for tunnel_id in finished:
            del self._tunnels[tunnel_id]
        return finished

    async def open_auto_start(self) -> list[SsmGuiError]:
        """Open the favourites marked auto-start; the errors of those that failed."""
        errors: list[SsmGuiError] = []
        for favourite in self._settings.current.favourites:
            if favourite.auto_start:
                try:
                    await self.open(favourite_spec(favourite))
                except SsmGuiError as exc:
                    errors.append(exc)
        return errors

    # --- used by ManagedTunnel ------------------------------------------------------------

    def _changed(self, tunnel: ManagedTunnel) -> None:
        snapshot = tunnel.snapshot()
        for listener in list(self._listeners):
            listener(snapshot)

    def _reason(self, kind: TunnelKind) -> str:
        return session_reason(self._settings.current.reason_template, kind, _local_user())

    def _remember_port(self, spec: TunnelSpec, port: int) -> None:
        current = self._settings.current
        if current.preferred_port(spec.instance_id, spec.kind) != port:
            self._settings.update(current.with_preferred_port(spec.instance_id, spec.kind, port))


class ManagedTunnel:
    """One tunnel the manager supervises across sessions."""

    def __init__(self, tunnel_id: int, spec: TunnelSpec, manager: TunnelManager) -> None:
        self.tunnel_id = tunnel_id
        self.spec = spec
        self._manager = manager
        self.state = TunnelState.STARTING
        self.detail = ""
        self._running: RunningTunnel | None = None
        self._local_port = 0
        self._bind_hosts = LAN_HOSTS if spec.share_on_lan else LOOPBACK_HOSTS
        self._reconnects = 0
        self._started_at = 0.0
        self._ended_at = 0.0  # when it stopped or failed: its uptime stops counting there
        self._supervisor: asyncio.Task[None] | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._stopping = False
        self._last_stats = TunnelStats()

    def snapshot(self) -> TunnelSnapshot:
        running = self._running
        stats = running.stats() if running is not None else self._last_stats
        if self.state.is_final:  # its listener and connections closed with it: none is open
            stats = replace(stats, open_connections=0)
        return TunnelSnapshot(
            tunnel_id=self.tunnel_id,
            spec=self.spec,
            state=self.state,
            local_port=self._local_port,
            bind_hosts=tuple(self._bind_hosts),
            mode=running.mode if running is not None else "",
            session_id=running.session_id if running is not None else "",
            stats=replace(stats, reconnects=stats.reconnects + self._reconnects),
            reconnects=self._reconnects,
            uptime_s=self._uptime(),
            detail=self.detail,
            last_target_error=(running.last_target_error if running is not None else None) or "",
        )

    def _uptime(self) -> float:
        if not self._started_at:
            return 0.0
        return (self._ended_at or time.monotonic()) - self._started_at

    def _set(self, state: TunnelState, detail: str = "") -> None:
        self.state, self.detail = state, detail
        if state.is_final and not self._ended_at:
            self._ended_at = time.monotonic()
        self._manager._changed(self)

    async def start(self) -> None:
        manager = self._manager
        try:
            self._local_port = choose_local_port(
                self.spec, manager._settings.current, manager._platform, self._bind_hosts
            )
            self._running = await self._open_session()
        except SsmGuiError as exc:
            self._local_port = 0  # it never listened: no address to show or copy
            self._set(TunnelState.FAILED, exc.user_message)
            raise
        self._local_port = self._running.local_port
        manager._remember_port(self.spec, self._local_port)
        self._started_at = time.monotonic()
        self._set(TunnelState.READY)
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise())
        if self.spec.keepalive or manager._settings.current.keepalive:
            self._keepalive = asyncio.get_running_loop().create_task(self._keep_alive())

    async def _open_session(self) -> RunningTunnel:
        manager = self._manager
        api = await manager._api_for(self.spec.profile, self.spec.region)
        reason = self.spec.reason or manager._reason(self.spec.kind)
        request = self.spec.request(self._local_port, reason)
        return await manager._engine().open(
            api, request, local_port=self._local_port, bind_hosts=self._bind_hosts
        )

    async def _supervise(self) -> None:
        while self._running is not None:
            error = await self._running.wait_closed()
            self._last_stats = self._running.stats()
            if self._stopping:
                return
            if error is None or isinstance(error, SessionEndedByServiceError):
                await self._running.stop()
                self._running = None
                self._set(TunnelState.FAILED, _ended_detail(error))
                return
            await self._reconnect(error)

    async def _reconnect(self, cause: SsmGuiError) -> None:
        log.info("tunnel %d lost its session: %s", self.tunnel_id, cause.user_message)
        assert self._running is not None
        await self._running.stop(reason="replacing a lost session")
        self._running = None
        last: SsmGuiError = cause
        for attempt, delay in enumerate(self._manager._policy.delays(), start=1):
            self._set(TunnelState.RECONNECTING, f"{last.user_message} Retry {attempt} in "
                      f"{delay:.0f} s.")  # fmt: skip
            await asyncio.sleep(delay)
            if self._stopping:
                return
            try:
                self._running = await self._open_session()
            except (ConfigurationError, CredentialsError) as exc:
                last = exc  # a busy port or a refused MFA prompt will not fix itself
                break
            except SsmGuiError as exc:
                last = exc
                continue
            self._reconnects += 1
            self._set(TunnelState.READY)
            return
        self._set(TunnelState.FAILED, f"Gave up reconnecting: {last.user_message}")

    async def _keep_alive(self) -> None:
        """Opt-in traffic so the service's idle timeout does not end a quiet tunnel (for a
        minimised RDP window, amazon-ssm-agent#261): a connection through the tunnel
        every few minutes, which makes the agent dial the target and reports activity."""
        interval = self._manager._policy.keepalive_interval_s
        while not self.state.is_final:
            await asyncio.sleep(interval)
            if self.state is TunnelState.READY:
                with contextlib.suppress(OSError):
                    _, writer = await asyncio.open_connection("127.0.0.1", self._local_port)
                    writer.close()

    async def stop(self) -> None:
        if self.state.is_final:
            return
        self._stopping = True
        for task in (self._keepalive, self._supervisor):
            if task is not None:
                task.cancel()
        if self._running is not None:
            self._last_stats = self._running.stats()
            await self._running.stop(reason="stopped by the user")
            self._running = None
        self._set(TunnelState.STOPPED)


def favourite_spec(favourite: Favourite) -> TunnelSpec:
    """The favourite's tunnel, titled with its name."""
    return replace(favourite.spec, label=favourite.name)


def _ended_detail(error: SsmGuiError | None) -> str:
    if error is None:
        return "The session ended."
    return (
        f"{error.user_message} The service ends sessions on purpose (idle timeout, maximum "
        "duration, or an administrator), so ssmgui does not restart it. Reopen it, or turn "
        "on keepalive for this tunnel."
    )


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown user"
