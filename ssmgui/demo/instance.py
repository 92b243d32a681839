"""FakeInstance: one managed node of the fake fleet and what its agent can reach."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeInstance:
    """A managed node. Mutable: tests may take it offline or change its ports mid-test.

    ports: remote port on the instance → real loopback (host, port) the agent dials.
    remote_hosts: (host as the user typed it, port) → real address, for
        AWS-StartPortForwardingSessionToRemoteHost. Anything unmapped fails to dial.
    """

    instance_id: str
    name: str = ""
    platform: str = "Linux"  # "Linux" | "Windows" | "MacOS"
    ping_status: str = "Online"
    agent_version: str = "3.3.1142.0"
    ip_address: str = "10.0.0.10"
    ports: dict[int, tuple[str, int]] = field(default_factory=dict)
    remote_hosts: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    # A real shell on this computer for shell documents (demo/channel/agent_shell.py):
    # only where a demo asks for it, never by default.
    offers_shell: bool = False
    # Session Manager preferences' KMS key: its shells ask for KMSEncryption (§14).
    kms_key_id: str | None = None

    @property
    def online(self) -> bool:
        return self.ping_status == "Online"

    @property
    def managed(self) -> bool:
        """Hybrid activations (mi-…) are ManagedInstance, the rest EC2Instance."""
        return self.instance_id.startswith("mi-")

    def target_for(self, host: str | None, port: int) -> tuple[str, int] | None:
        if host is None:
            return self.ports.get(port)
        return self.remote_hosts.get((host, port))


def version_tuple(version: str) -> tuple[int, ...]:
    """'1.2.331.0' → (1, 2, 331, 0); missing or junk parts count as 0."""
    parts = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < 4:
        parts.append(0)
    return tuple(parts)
