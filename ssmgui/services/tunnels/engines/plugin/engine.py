"""Official mode: tunnels through AWS's session-manager-plugin, wrapped defensively.

We call StartSession ourselves (boto3), then run the plugin with the answer in an
environment variable (docs/protocol.md §10), and treat it as a process with a lifecycle:
ready when it prints "Port N opened" (with a timeout: it can hang forever), watched while it
runs (a periodic probe through the port catches the dead-but-accepting state of §12, and
any unexpected exit), stopped with an interrupt so it sends TerminateSession, plus the API
call ourselves, plus a kill after a grace period. Every launch is recorded so a crashed
ssmgui's plugins are reaped on the next start (reaper.py).

What the plugin does not tell us is not invented: stats carry the connections it reported
("Connection accepted", printed once per plugin run) and restarts; bytes are 0 (unknown).
It listens on "localhost" only: asking for other addresses is a ConfigurationError.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import platform
import socket
from collections.abc import Mapping, Sequence
from typing import Protocol

from ssmgui.core.errors import ConfigurationError, PortInUseError, SessionClosedError, SsmGuiError
from ssmgui.core.tunnel import Document, SessionRequest, TunnelStats
from ssmgui.services.tunnels.engines.plugin.locator import PluginProgram
from ssmgui.services.tunnels.engines.plugin.network import Reached, network_env
from ssmgui.services.tunnels.engines.plugin.process import (
    EventKind,
    PluginProcess,
    launch_flags,
    plugin_argv,
    plugin_env,
    response_json,
)
from ssmgui.services.tunnels.engines.plugin.reaper import ProcessRecord
from ssmgui.services.tunnels.engines.plugin.watchdog import LivenessProbe, probe_for_remote_port
from ssmgui.services.tunnels.session_api import SessionApi
from ssmgui.ssm.channel import StreamEndpoint

log = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"127.0.0.1", "::1", "localhost"})


class ProgramSource(Protocol):
    async def locate(self) -> PluginProgram:
        """The plugin to run; PluginNotFoundError / PluginUnsupportedError otherwise."""


@dataclasses.dataclass(frozen=True)
class PluginTimings:
    ready_timeout_s: float = 30.0
    stop_grace_s: float = 5.0
    probe_interval_s: float | None = 30.0  # None: no probe (exits are still watched)
    probe_failures: int = 2  # consecutive failed probes before a restart
    max_restarts: int = 5


def check_bind_hosts(bind_hosts: Sequence[str]) -> None:
    """The plugin binds localhost only (§10); sharing the port needs the built-in engine."""
    others = [host for host in bind_hosts if host not in LOOPBACK_NAMES]
    if others:
        raise ConfigurationError(
            f"Official plugin mode listens on this computer only, not on {', '.join(others)}. "
            "To share a tunnel on the network, use the built-in engine."
        )


def with_local_port(request: SessionRequest, port: int) -> SessionRequest:
    """The plugin binds the localPortNumber the agent echoes back (§1, §4)."""
    if request.document is Document.SSH:
        raise ConfigurationError("Official plugin mode forwards ports; SSH sessions use ssh-proxy.")
    return dataclasses.replace(
        request, parameters={**request.parameters, "localPortNumber": [str(port)]}
    )


def ensure_port_free(port: int) -> None:
    """Fail before StartSession if a fixed port is taken, as the native engine does."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise PortInUseError(
                f"Local port {port} is already in use by another program. Choose another "
                "port, or stop the program that holds it."
            ) from exc


class PluginEngine:
    """Runs tunnels through the plugin that `source` locates (a PluginLocator)."""

    name = "plugin"

    def __init__(
        self,
        source: ProgramSource,
        *,
        record: ProcessRecord | None = None,
        timings: PluginTimings | None = None,
        probe: LivenessProbe | None = None,
        environ: Mapping[str, str] | None = None,
        extra_env: Mapping[str, str] | None = None,
        system: str | None = None,
    ) -> None:
        self._source = source
        self.record = record or ProcessRecord()
        self.timings = timings or PluginTimings()
        self.probe = probe
        self.environ = dict(os.environ if environ is None else environ)
        self.extra_env = dict(extra_env or {})
        self.flags = launch_flags(system or platform.system())
        self._reaped = False

    async def reap_orphans(self) -> list[int]:
        """Stop plugins a previous (crashed) run left behind; done once, before the first
        launch."""
        self._reaped = True
        return await asyncio.to_thread(self.record.reap)

    async def open(
        self,
        api: SessionApi,
        request: SessionRequest,
        *,
        local_port: int,
        bind_hosts: Sequence[str],
    ) -> PluginTunnel:
        check_bind_hosts(bind_hosts)
        program = await self._source.locate()
        if not self._reaped:
            await self.reap_orphans()
        if local_port:
            ensure_port_free(local_port)
        probe = self.probe or probe_for_remote_port(_remote_port(request))
        tunnel = PluginTunnel(self, program, api, request, probe)
        await tunnel.launch(local_port)
        return tunnel


async def child_command(
    engine: PluginEngine,
    program: PluginProgram,
    api: SessionApi,
    request: SessionRequest,
    endpoint: StreamEndpoint,
) -> tuple[list[str], dict[str, str]]:
    """The plugin's argv and environment for `endpoint`: the SSM endpoint botocore resolved
    for the profile in argv, the credentials and the response in the environment with the
    proxy and CA variables saying botocore's route to each URL the plugin dials (network.py).
    Secrets never in argv."""
    api_url = api.endpoint_url
    network = network_env(
        Reached(api_url, await api.route(api_url)),
        Reached(endpoint.stream_url, await api.route(endpoint.stream_url)),
    )
    argv = plugin_argv(program.command, request, api.region, api_url)
    env = plugin_env(
        engine.environ,
        await api.frozen_credentials(),
        api.region,
        response_json(endpoint),
        engine.extra_env,
        network=network,
    )
    return argv, env


def _remote_port(request: SessionRequest) -> int:
    values = request.parameters.get("portNumber") or ["0"]
    return int(values[0])


class PluginTunnel:
    """A RunningTunnel on one plugin process at a time (a restart replaces it)."""

    def __init__(
        self,
        engine: PluginEngine,
        program: PluginProgram,
        api: SessionApi,
        request: SessionRequest,
        probe: LivenessProbe,
    ) -> None:
        self._engine = engine
        self._program = program
        self._api = api
        self._request = request
        self._probe = probe
        self._loop = asyncio.get_running_loop()
        self._process: PluginProcess | None = None
        self._session_id = ""
        self._port = 0
        self._started = self._loop.time()
        self._earlier_connections = 0
        self.restarts = 0
        self._done: asyncio.Future[SsmGuiError | None] = self._loop.create_future()
        self._watchdog: asyncio.Task[None] | None = None

    @property
    def local_port(self) -> int:
        return self._port

    @property
    def session_id(self) -> str:
        return self._session_id

    @property
    def mode(self) -> str:
        return "plugin"

    @property
    def last_target_error(self) -> str | None:
        """The plugin reports only that a target connection failed, counted in `stats`."""
        return None

    @property
    def process(self) -> PluginProcess | None:
        return self._process

    @property
    def uptime_s(self) -> float:
        return self._loop.time() - self._started

    def stats(self) -> TunnelStats:
        """Only what the plugin shows: connections it reported (once per run) and restarts.
        Bytes and open connections are unknown to us, hence 0."""
        current = self._process.connections_accepted if self._process else 0
        errors = self._process.target_errors if self._process else 0
        return TunnelStats(
            bytes_up=0,
            bytes_down=0,
            open_connections=0,
            total_connections=self._earlier_connections + current,
            reconnects=self.restarts,
            target_errors=errors,
        )

    async def launch(self, port: int) -> None:
        """StartSession, run the plugin, wait for its port; on failure leave nothing."""
        engine = self._engine
        request = with_local_port(self._request, port)
        endpoint = await self._api.start(request)
        try:
            argv, env = await child_command(engine, self._program, self._api, request, endpoint)
            process = await PluginProcess.spawn(argv, env, engine.flags)
            engine.record.add(process.pid)
            try:
                opened = await process.wait_ready(engine.timings.ready_timeout_s)
            except BaseException:
                await self._end_process(process)
                raise
        except BaseException:
            await self._terminate(endpoint.session_id)
            raise
        self._process, self._session_id, self._port = process, endpoint.session_id, opened
        log.info("plugin tunnel on port %d for session %s", opened, endpoint.session_id)
        if self._watchdog is None:
            self._watchdog = self._loop.create_task(self._watch())

    async def wait_closed(self) -> SsmGuiError | None:
        return await asyncio.shield(self._done)

    async def stop(self, reason: str = "stopped") -> None:
        """Interrupt the plugin (it sends TerminateSession), call TerminateSession ourselves,
        kill after the grace period."""
        if self._done.done():
            return
        log.info("stopping plugin tunnel %s: %s", self._session_id, reason)
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        if self._process is not None:
            await self._end_process(self._process)
            await self._terminate(self._session_id)
        self._finish(None)

    async def _watch(self) -> None:
        failures = 0
        while not self._done.done():
            process = self._process
            assert process is not None
            exited = self._loop.create_task(process.wait_exit())
            await asyncio.wait({exited}, timeout=self._engine.timings.probe_interval_s)
            if exited.done():
                if await self._after_exit(process):
                    return
                continue
            exited.cancel()
            failures = 0 if await self._probe(self._port) else failures + 1
            if failures >= self._engine.timings.probe_failures:
                failures = 0
                await self._restart_or_finish("the port accepts connections but serves nothing")

    async def _after_exit(self, process: PluginProcess) -> bool:
        """True when the tunnel is over (the service ended it, or restarting failed)."""
        self._engine.record.remove(process.pid)
        ended = process.ended
        if ended is not None and ended.kind is EventKind.SESSION_ENDED:
            why = ended.text or "it was terminated"
            self._finish(SessionClosedError(f"Session Manager ended the session: {why}"))
            return True
        await self._restart_or_finish(f"the plugin exited (code {process.returncode})")
        return self._done.done()

    async def _restart_or_finish(self, why: str) -> None:
        old = self._process
        if old is not None:
            self._earlier_connections += old.connections_accepted
            await self._end_process(old)
            await self._terminate(self._session_id)
            self._process = None
        if self.restarts >= self._engine.timings.max_restarts:
            self._finish(SessionClosedError(f"The plugin tunnel failed repeatedly ({why})."))
            return
        log.warning("restarting plugin tunnel %s: %s", self._session_id, why)
        try:
            await self.launch(self._port)
        except SsmGuiError as exc:
            self._finish(exc)
            return
        self.restarts += 1

    async def _end_process(self, process: PluginProcess) -> None:
        await process.stop(self._engine.timings.stop_grace_s)
        self._engine.record.remove(process.pid)

    async def _terminate(self, session_id: str) -> None:
        with contextlib.suppress(SsmGuiError, OSError, ConnectionError, TimeoutError):
            async with asyncio.timeout(10):
                await self._api.terminate(session_id)

    def _finish(self, error: SsmGuiError | None) -> None:
        if not self._done.done():
            self._done.set_result(error)
        if error is not None:
            log.warning("plugin tunnel %s ended: %s", self._session_id, error.user_message)
