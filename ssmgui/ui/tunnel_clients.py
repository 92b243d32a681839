"""The clients the app starts for tunnels (ssh in a terminal, RDP, a browser) and how they end.

Without this a client that exits is invisible: the tunnel stays "Ready" with no word that
ssh failed with status 255 or that the RDP window was closed. `TunnelClients` counts the
clients running per tunnel and keeps one line per tunnel saying what became of the last
one, which the controller puts on the tunnel's snapshot (`TunnelSnapshot.client`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from ssmgui.core.tunnel import TunnelSnapshot
from ssmgui.core.tunnel_figures import client_exit_text, program_name


class ClientRun(Protocol):
    """A started client (`ssmgui.services.launch.client_process.LaunchedClient`)."""

    argv: tuple[str, ...]
    handed_off: bool
    note: str  # for the person to read as it opens ("" for nothing), e.g. the demo's limits

    async def wait(self) -> int: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ClientEnded:
    """One client's end: `text` for the row, and whether the tunnel lost its last client."""

    tunnel_id: int
    code: int
    text: str
    last_one: bool  # no other client of this tunnel is still running
    handed_off: bool  # an opener that passed the work on: its exit is not the session's end


class TunnelClients:
    """Per tunnel: how many started clients still run, and a line on the latest one."""

    def __init__(self) -> None:
        self._notes: dict[int, str] = {}
        self._running: dict[int, int] = {}

    def dress(self, snapshot: TunnelSnapshot) -> TunnelSnapshot:
        """`snapshot` with its client line (the manager knows nothing of clients)."""
        note = self._notes.get(snapshot.tunnel_id, "")
        return replace(snapshot, client=note) if note != snapshot.client else snapshot

    def started(self, tunnel_id: int, run: ClientRun) -> None:
        self._running[tunnel_id] = self._running.get(tunnel_id, 0) + 1
        name = program_name(run.argv[0]) if run.argv else "client"
        self._notes[tunnel_id] = f"{name} opened" if run.handed_off else f"{name} running"

    def not_started(self, tunnel_id: int, why: str) -> None:
        """The client could not be started (its program is missing, say): the row says why."""
        self._notes[tunnel_id] = f"not started: {why}"

    async def watch(self, tunnel_id: int, run: ClientRun) -> ClientEnded:
        """Wait for `run` to exit (no time limit: it lives as long as the person uses it;
        cancelled on quit), then say how it ended. Its files go in any case."""
        try:
            code = await run.wait()
        finally:
            run.close()
            self._running[tunnel_id] = max(self._running.get(tunnel_id, 1) - 1, 0)
        program = run.argv[0] if run.argv else "client"
        text = client_exit_text(program, code, handed_off=run.handed_off)
        if tunnel_id in self._notes:  # not cleared from the list meanwhile
            self._notes[tunnel_id] = text
        last_one = self._running.get(tunnel_id, 0) == 0
        return ClientEnded(tunnel_id, code, text, last_one, run.handed_off)

    def forget(self, tunnel_id: int) -> None:
        self._notes.pop(tunnel_id, None)
        self._running.pop(tunnel_id, None)
