"""What the tunnel manager needs from an engine (native data channel or AWS's plugin).

An engine turns a StartSession request into a running tunnel with a local port; the
manager owns everything around it (reconnect policy, ports, stats for views, favourites).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ssmgui.core.errors import SsmGuiError
from ssmgui.core.tunnel import SessionRequest, TunnelStats
from ssmgui.services.tunnels.session_api import SessionApi


class RunningTunnel(Protocol):
    """A live port-forwarding session. Lifecycle: ready when returned by `open`; then
    `wait_closed` resolves once, with None after `stop` or the reason it ended."""

    @property
    def local_port(self) -> int: ...

    @property
    def session_id(self) -> str: ...

    @property
    def mode(self) -> str:
        """How bytes travel, for display: "mux", "basic", "plugin"…"""

    @property
    def last_target_error(self) -> str | None:
        """Why the instance last failed to reach the target port, if it did."""

    def stats(self) -> TunnelStats: ...

    async def wait_closed(self) -> SsmGuiError | None: ...

    async def stop(self, reason: str = "stopped") -> None: ...


class TunnelEngine(Protocol):
    name: str

    async def open(
        self,
        api: SessionApi,
        request: SessionRequest,
        *,
        local_port: int,
        bind_hosts: Sequence[str],
    ) -> RunningTunnel:
        """Bind the local port, start the session and return once it is ready; raise an
        SsmGuiError (PortInUseError, SessionStartError, …) otherwise, leaving no session."""
