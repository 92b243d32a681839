"""One session-manager-plugin child process: its command, environment, output and signals.

The plugin's contract (docs/protocol.md §10): it exits 0 even on errors, so the outcome
comes from the lines it prints; it can hang forever after "Starting session" when the
WebSocket cannot open, so readiness has a timeout; it handles SIGINT (CTRL_BREAK on
Windows) by sending TerminateSession, but SIGTERM kills it silently.

Secrets (token, secret key, session token) travel in the child's environment only — never
argv, never our logs. Pure parts (argv, env, line parsing, per-OS signal choice) are
functions tested by equality.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import enum
import json
import logging
import os
import re
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from botocore.credentials import ReadOnlyCredentials

from ssmgui.core.errors import PluginFailedError
from ssmgui.core.tunnel import SessionRequest
from ssmgui.services.tunnels.engines.plugin.network import NETWORK_VARIABLES
from ssmgui.ssm.channel import StreamEndpoint

log = logging.getLogger(__name__)

# The AWS CLI's name; the plugin reads any variable with this prefix and unsets it (§10).
RESPONSE_VARIABLE = "AWS_SSM_START_SESSION_RESPONSE"
# Windows constants, spelled out so the pure choice is testable on any OS.
CREATE_NEW_PROCESS_GROUP = 0x00000200
CTRL_BREAK_EVENT = 1
_KEPT_VARIABLES = (
    "PATH",
    "HOME",
    "USERPROFILE",
    "SystemRoot",
    "TMPDIR",
    "TEMP",
    "TMP",
    # The plugin honours proxies and, on Linux, extra CAs (§11): corporate networks need them.
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
_STDERR_TAIL = 20


class EventKind(enum.Enum):
    STARTING = "starting"
    PORT_OPENED = "port_opened"
    CONNECTION_ACCEPTED = "connection_accepted"
    START_FAILED = "start_failed"
    TARGET_FAILED = "target_failed"
    SIGNAL_RECEIVED = "signal_received"
    SESSION_ENDED = "session_ended"


@dataclass(frozen=True)
class PluginEvent:
    kind: EventKind
    session_id: str = ""
    port: int = 0
    text: str = ""


_LINE_PATTERNS: tuple[tuple[re.Pattern[str], EventKind], ...] = (
    (re.compile(r"^Starting session with SessionId: (?P<sid>\S+)$"), EventKind.STARTING),
    (
        re.compile(r"^Port (?P<port>\d+) opened for sessionId (?P<sid>\S+?)\.?$"),
        EventKind.PORT_OPENED,
    ),
    (
        re.compile(r"^Connection accepted for session \[?(?P<sid>[^\]\s]+?)\]?\.?$"),
        EventKind.CONNECTION_ACCEPTED,
    ),
    (re.compile(r"^Cannot perform start session: (?P<text>.*)$"), EventKind.START_FAILED),
    (re.compile(r"^Connection to destination port failed"), EventKind.TARGET_FAILED),
    (re.compile(r"^Terminate signal received"), EventKind.SIGNAL_RECEIVED),
    (re.compile(r"^Exiting session with sessionId: (?P<sid>\S+?)\.?$"), EventKind.SESSION_ENDED),
    (re.compile(r"^SessionId: (?P<sid>\S+) : (?P<text>.*)$"), EventKind.SESSION_ENDED),
    (re.compile(r"^Session: (?P<sid>\S+) (?P<text>timed out\.?)$"), EventKind.SESSION_ENDED),
)


def parse_line(line: str) -> PluginEvent | None:
    """What one stdout line of the plugin means (§10), or None for other output."""
    stripped = line.strip()
    for pattern, kind in _LINE_PATTERNS:
        match = pattern.match(stripped)
        if match is not None:
            found = match.groupdict()
            return PluginEvent(
                kind,
                session_id=found.get("sid") or "",
                port=int(found.get("port") or 0),
                text=found.get("text") or "",
            )
    return None


def response_json(endpoint: StreamEndpoint) -> str:
    return json.dumps(
        {
            "SessionId": endpoint.session_id,
            "TokenValue": endpoint.token_value,
            "StreamUrl": endpoint.stream_url,
        }
    )


def plugin_argv(
    command: Sequence[str], request: SessionRequest, region: str, endpoint_url: str
) -> list[str]:
    """The AWS CLI's form (§10) with the env-var response and an empty profile: credentials
    come from the child's environment, so the plugin never reads (or prompts for) a profile."""
    return [
        *command,
        RESPONSE_VARIABLE,
        region,
        "StartSession",
        "",
        json.dumps(request.to_api()),
        endpoint_url,
    ]


def plugin_env(
    parent: Mapping[str, str],
    credentials: ReadOnlyCredentials,
    region: str,
    response: str,
    extra: Mapping[str, str] | None = None,
    *,
    network: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Only what the child needs: a few OS variables, proxies, and the AWS ones.

    `network` (from `network.network_env`: botocore's proxy and CA choice) replaces the
    parent's proxy and CA variables; without it they are passed on as they are.
    """
    kept: tuple[str, ...] = _KEPT_VARIABLES
    if network is not None:
        kept = tuple(name for name in kept if name not in NETWORK_VARIABLES)
    env = {name: parent[name] for name in kept if name in parent}
    env |= dict(network or {})
    env |= {
        "AWS_ACCESS_KEY_ID": credentials.access_key or "",
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key or "",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",  # no IMDS detour in the SDK's chain (§11)
        RESPONSE_VARIABLE: response,
    }
    if credentials.token:
        env["AWS_SESSION_TOKEN"] = credentials.token
    env |= dict(extra or {})
    return env


@dataclass(frozen=True)
class LaunchFlags:
    start_new_session: bool
    creationflags: int
    interrupt: int  # the signal that makes the plugin send TerminateSession


def launch_flags(system: str) -> LaunchFlags:
    """Own process group, so the interrupt reaches the plugin alone (§10 Signals)."""
    if system == "Windows":
        return LaunchFlags(False, CREATE_NEW_PROCESS_GROUP, CTRL_BREAK_EVENT)
    return LaunchFlags(True, 0, int(signal.SIGINT))


class PluginProcess:
    """A running plugin: its lines turned into events, counters, and a stop that interrupts
    first and kills after a grace period."""

    def __init__(self, process: asyncio.subprocess.Process, flags: LaunchFlags) -> None:
        self._process = process
        self._flags = flags
        self.connections_accepted = 0
        self.target_errors = 0
        self.ended: PluginEvent | None = None
        self.signal_acknowledged = False
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL)
        self._ready: asyncio.Future[PluginEvent] = asyncio.get_running_loop().create_future()
        # Failures after a readiness timeout have no reader left: mark them retrieved.
        self._ready.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._readers = asyncio.gather(self._read_stdout(), self._read_stderr())

    @classmethod
    async def spawn(
        cls, argv: Sequence[str], env: Mapping[str, str], flags: LaunchFlags
    ) -> PluginProcess:
        log.info("starting %s", argv[0])  # argv carries no secrets, but keep logs short
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env),
            start_new_session=flags.start_new_session,
            creationflags=flags.creationflags,
        )
        return cls(process, flags)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    async def wait_ready(self, timeout_s: float) -> int:
        """The local port once "Port N opened" is printed; PluginFailedError if the plugin
        printed an error, exited, or said nothing in time (it hangs when it cannot open
        the WebSocket, §10)."""
        try:
            event = await asyncio.wait_for(asyncio.shield(self._ready), timeout_s)
        except TimeoutError:
            raise PluginFailedError(
                f"The session-manager-plugin did not open its port within {timeout_s:.0f} s. "
                "It hangs when it cannot reach Session Manager's data channel: check your "
                "network, VPN or proxy, or try the built-in engine."
            ) from None
        return event.port

    async def wait_exit(self) -> int:
        code = await self._process.wait()
        await asyncio.shield(self._readers)  # a cancelled waiter must not stop the reading
        return code

    def interrupt(self) -> None:
        """SIGINT to the group (POSIX) or CTRL_BREAK_EVENT (Windows): TerminateSession."""
        if self._process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if self._flags.start_new_session:
                os.killpg(self._process.pid, self._flags.interrupt)
            else:
                self._process.send_signal(self._flags.interrupt)

    def kill(self) -> None:
        if self._process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if self._flags.start_new_session:
                os.killpg(self._process.pid, signal.SIGKILL)
            else:
                self._process.kill()

    async def stop(self, grace_s: float) -> int:
        """Interrupt, wait up to `grace_s`, then kill. Returns the exit code."""
        self.interrupt()
        try:
            return await asyncio.wait_for(asyncio.shield(self.wait_exit()), grace_s)
        except TimeoutError:
            log.warning("session-manager-plugin %d ignored the interrupt: killing it", self.pid)
            self.kill()
            return await self.wait_exit()

    def _on_event(self, event: PluginEvent) -> None:
        kind = event.kind
        if kind is EventKind.PORT_OPENED and not self._ready.done():
            self._ready.set_result(event)
        elif kind is EventKind.START_FAILED and not self._ready.done():
            self._ready.set_exception(
                PluginFailedError(f"The session-manager-plugin could not start: {event.text}")
            )
        elif kind is EventKind.CONNECTION_ACCEPTED:
            self.connections_accepted += 1
        elif kind is EventKind.TARGET_FAILED:
            self.target_errors += 1
        elif kind is EventKind.SIGNAL_RECEIVED:
            self.signal_acknowledged = True
        elif kind is EventKind.SESSION_ENDED:
            self.ended = event

    async def _read_stdout(self) -> None:
        stream = self._process.stdout
        assert stream is not None  # spawned with PIPE
        while line := await stream.readline():
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                log.debug("plugin %d: %s", self.pid, text)
            event = parse_line(text)
            if event is not None:
                self._on_event(event)
        await self._process.wait()
        if not self._ready.done():
            self._ready.set_exception(PluginFailedError(self._exit_message()))

    async def _read_stderr(self) -> None:
        stream = self._process.stderr
        assert stream is not None
        while line := await stream.readline():
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                self.stderr_tail.append(text)

    def _exit_message(self) -> str:
        detail = next((line for line in self.stderr_tail if line.strip()), "")
        code = self._process.returncode
        said = f": {detail}" if detail else ""
        return (
            f"The session-manager-plugin exited (code {code}) before opening its port{said}. "
            "Reinstall or update it, or try the built-in engine."
        )
