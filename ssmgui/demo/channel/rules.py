"""The agent's version-driven decisions (docs/protocol.md §8), as pure functions."""

from __future__ import annotations

from ssmgui.demo.instance import version_tuple

MUX_MIN_CLIENT = version_tuple("1.1.70")
KEEPALIVE_LAST_CLIENT = version_tuple("1.2.331.0")
LAST_AGENT_WITHOUT_MUX = version_tuple("3.0.196.0")


def agent_uses_mux(properties: dict[str, str], client_version: str, agent_version: str) -> bool:
    """Mux iff type is LocalPortForwarding, ClientVersion >= 1.1.70 (agent `port.go`) and
    the agent is newer than 3.0.196.0 (older agents have no mux at all)."""
    return (
        properties.get("type") == "LocalPortForwarding"
        and bool(client_version)
        and version_tuple(client_version) >= MUX_MIN_CLIENT
        and version_tuple(agent_version) > LAST_AGENT_WITHOUT_MUX
    )


def agent_keepalive(client_version: str) -> bool:
    """The agent keeps smux keepalive on for ClientVersion <= 1.2.331.0 (§8)."""
    return version_tuple(client_version) <= KEEPALIVE_LAST_CLIENT
