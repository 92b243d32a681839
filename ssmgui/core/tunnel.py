"""What a tunnel asks Session Manager for: documents, parameters, and port rules.

See docs/protocol.md §1. Pure data and functions; requests are built here and compared by
equality in tests.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ssmgui.core.errors import ConfigurationError

# The allowedPattern expressions of the AWS-managed port-forwarding documents.
_REMOTE_PORT = re.compile(
    r"^([1-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"
)
_LOCAL_PORT = re.compile(
    r"^([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"
)
REASON_MAX = 256


class TunnelKind(enum.StrEnum):
    """What a connection opens. SHELL is no tunnel: a Session Manager shell in a terminal
    (`ssmgui shell`), named here so a double-click, a remembered choice and the
    `ssmgui:action` tag can ask for it; `spec_for` refuses it."""

    RDP = "rdp"
    SSH = "ssh"
    HTTP = "http"
    HTTPS = "https"
    CUSTOM = "custom"
    SHELL = "shell"


DEFAULT_REMOTE_PORTS: Mapping[TunnelKind, int] = {
    TunnelKind.RDP: 3389,
    TunnelKind.SSH: 22,
    TunnelKind.HTTP: 80,
    TunnelKind.HTTPS: 443,
}


class Document(enum.StrEnum):
    PORT_FORWARDING = "AWS-StartPortForwardingSession"
    PORT_FORWARDING_TO_REMOTE_HOST = "AWS-StartPortForwardingSessionToRemoteHost"
    SSH = "AWS-StartSSHSession"


@dataclass(frozen=True)
class SessionRequest:
    """A StartSession call: target, document and its string-list parameters."""

    target: str
    document: Document | str  # str: a shell or custom document (core/shell_request.py)
    parameters: Mapping[str, list[str]] = field(default_factory=dict)
    reason: str | None = None

    def to_api(self) -> dict[str, object]:
        call: dict[str, object] = {"Target": self.target, "DocumentName": str(self.document)}
        if self.parameters:
            call["Parameters"] = {k: list(v) for k, v in self.parameters.items()}
        if self.reason:
            call["Reason"] = self.reason
        return call


def validate_remote_port(port: int | str) -> int:
    text = str(port)
    if not _REMOTE_PORT.match(text):
        raise ConfigurationError(
            f"Remote port {text!r} is not valid: use a number from 1 to 65535."
        )
    return int(text)


def validate_local_port(port: int | str) -> int:
    text = str(port)
    if not _LOCAL_PORT.match(text):
        raise ConfigurationError(
            f"Local port {text!r} is not valid: "
            "use a number from 1 to 65535, or 0 for any free port."
        )
    return int(text)


def validate_bind_address(text: str) -> str:
    """A local address to listen on, as the user typed it: an IPv4 or IPv6 address.

    An empty address would make the system listen on every interface without anyone having
    asked for it, so it is refused like any other address that is not one.
    """
    candidate = text.strip()
    if not candidate:
        raise ConfigurationError(
            "An empty listening address is not allowed: leave it out to listen on this "
            "computer only, or give 0.0.0.0 to share the tunnel with your network."
        )
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        raise ConfigurationError(
            f"{candidate!r} is not an IP address to listen on: use 127.0.0.1, ::1, an address "
            "of this computer, or 0.0.0.0 to share the tunnel with your network."
        ) from None


def validate_target(instance_id: str) -> str:
    if not re.fullmatch(r"(i|mi)-[0-9a-f]{8,17}", instance_id):
        raise ConfigurationError(
            f"{instance_id!r} is not an instance id: expected i-0123456789abcdef0 or mi-… ."
        )
    return instance_id


def validate_reason(reason: str | None) -> str | None:
    if reason is not None and not 1 <= len(reason) <= REASON_MAX:
        raise ConfigurationError(f"The session reason must be 1 to {REASON_MAX} characters.")
    return reason


def port_forwarding_request(
    target: str,
    remote_port: int | str,
    local_port: int | str = 0,
    *,
    remote_host: str | None = None,
    reason: str | None = None,
) -> SessionRequest:
    """AWS-StartPortForwardingSession, or …ToRemoteHost when `remote_host` is given."""
    parameters = {
        "portNumber": [str(validate_remote_port(remote_port))],
        "localPortNumber": [str(validate_local_port(local_port))],
    }
    document = Document.PORT_FORWARDING
    if remote_host:
        parameters["host"] = [remote_host]
        document = Document.PORT_FORWARDING_TO_REMOTE_HOST
    return SessionRequest(validate_target(target), document, parameters, validate_reason(reason))


def ssh_session_request(
    target: str, port: int | str = 22, reason: str | None = None
) -> SessionRequest:
    """AWS-StartSSHSession: no local listener, the bytes ride stdin/stdout (§1)."""
    parameters = {"portNumber": [str(validate_remote_port(port))]}
    return SessionRequest(
        validate_target(target), Document.SSH, parameters, validate_reason(reason)
    )


class TunnelState(enum.StrEnum):
    """starting → ready → (reconnecting → ready)* → stopped | failed."""

    STARTING = "starting"
    READY = "ready"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (TunnelState.STOPPED, TunnelState.FAILED)


@dataclass(frozen=True)
class TunnelStats:
    """Application bytes each way, connections, reconnects of one running session."""

    bytes_up: int = 0
    bytes_down: int = 0
    open_connections: int = 0
    total_connections: int = 0
    reconnects: int = 0
    target_errors: int = 0


@dataclass(frozen=True)
class TunnelSpec:
    """What the user asked for. `local_port` 0 means "the remembered port, or any"."""

    profile: str
    region: str
    instance_id: str
    kind: TunnelKind
    remote_port: int
    remote_host: str = ""
    local_port: int = 0
    share_on_lan: bool = False
    keepalive: bool = False
    reason: str | None = None
    label: str = ""

    def request(self, local_port: int, reason: str | None) -> SessionRequest:
        return port_forwarding_request(
            self.instance_id,
            self.remote_port,
            local_port,
            remote_host=self.remote_host or None,
            reason=reason,
        )

    @property
    def title(self) -> str:
        where = f"{self.remote_host}:{self.remote_port} via " if self.remote_host else ""
        return self.label or f"{self.kind.upper()} {where}{self.instance_id}"


def spec_for(
    profile: str,
    region: str,
    instance_id: str,
    kind: TunnelKind,
    remote_port: int | None = None,
    **options: object,
) -> TunnelSpec:
    """A spec with the kind's usual remote port (RDP 3389, SSH 22, HTTP 80, HTTPS 443)."""
    if kind is TunnelKind.SHELL:
        raise ConfigurationError("A shell is not a tunnel: open it with ssmgui shell.")
    port = remote_port if remote_port is not None else DEFAULT_REMOTE_PORTS.get(kind)
    if port is None:
        raise ConfigurationError("A custom tunnel needs a remote port.")
    return TunnelSpec(
        profile, region, validate_target(instance_id), kind, validate_remote_port(port),
        **options,  # type: ignore[arg-type]
    )  # fmt: skip


def session_reason(template: str, kind: TunnelKind, user: str) -> str:
    """The CloudTrail `Reason` (1–256 characters): the tool, the kind, the local user."""
    try:
        text = template.format(kind=kind.upper(), user=user)
    except (KeyError, IndexError, ValueError):
        text = f"ssmgui {kind.upper()} tunnel for {user}"
    return (text.strip() or "ssmgui")[:REASON_MAX]


@dataclass(frozen=True)
class TunnelSnapshot:
    """One tunnel as views see it, at one moment."""

    tunnel_id: int
    spec: TunnelSpec
    state: TunnelState
    local_port: int = 0
    bind_hosts: tuple[str, ...] = ()
    mode: str = ""
    session_id: str = ""
    stats: TunnelStats = field(default_factory=TunnelStats)
    reconnects: int = 0
    uptime_s: float = 0.0
    detail: str = ""  # why it failed, or what it is doing now
    last_target_error: str = ""
    client: str = ""  # what became of the client the app opened for it (set by the app)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.local_port}"
