"""Tunnels whose bytes move on a loop of their own thread, not on the GUI's qasync loop.

qasync runs every asyncio callback through a Qt timer (a `startTimer(0)`, a timer event and
a `killTimer` per `call_soon`) and every socket wake-up through a `QSocketNotifier` that it
disables and re-enables around the callback. A tunnel moving tens of MB/s makes thousands of
those per second, which cost the GUI process more CPU per byte than headless `ssmgui forward`
and held its throughput below the target (the figures: docs/architecture.md, "Why it is
built this way"). On a plain asyncio loop the data channel costs what it costs headless, and
a busy tunnel no longer competes with the window for the GUI thread's turns.

Only the data path moves: the manager, its policy and its state stay on the GUI's loop and
reach the tunnel through the `RunningTunnel` calls below. The session's API object is used
on the worker loop; it keeps no loop of its own (its blocking calls go through
`asyncio.to_thread`, so an MFA prompt they raise waits on the GUI without stalling either loop).
"""

from __future__ import annotations

from collections.abc import Sequence

from ssmgui.core.errors import SsmGuiError
from ssmgui.core.tunnel import SessionRequest, TunnelStats
from ssmgui.services.tunnels.engines.base import RunningTunnel, TunnelEngine
from ssmgui.services.tunnels.session_api import SessionApi
from ssmgui.services.worker_loop import WorkerLoop


class OffThreadTunnel:
    """A `RunningTunnel` living on `worker`, used from another loop."""

    def __init__(self, inner: RunningTunnel, worker: WorkerLoop) -> None:
        self._inner = inner
        self._worker = worker

    @property
    def local_port(self) -> int:
        return self._inner.local_port

    @property
    def session_id(self) -> str:
        return self._inner.session_id

    @property
    def mode(self) -> str:
        return self._inner.mode

    @property
    def last_target_error(self) -> str | None:
        return self._inner.last_target_error

    def stats(self) -> TunnelStats:
        # Read across threads on purpose: counters of ints, each read whole under the GIL;
        # a snapshot a few bytes behind the worker is exact enough for a view.
        return self._inner.stats()

    async def wait_closed(self) -> SsmGuiError | None:
        return await self._worker.run(self._inner.wait_closed())

    async def stop(self, reason: str = "stopped") -> None:
        await self._worker.run(self._inner.stop(reason))


class OffThreadEngine:
    """Opens `inner`'s tunnels on `worker`; the worker's owner closes it after the tunnels."""

    def __init__(self, inner: TunnelEngine, worker: WorkerLoop) -> None:
        self._inner = inner
        self._worker = worker
        self.name = inner.name

    async def open(
        self,
        api: SessionApi,
        request: SessionRequest,
        *,
        local_port: int,
        bind_hosts: Sequence[str],
    ) -> RunningTunnel:
        opening = self._inner.open(api, request, local_port=local_port, bind_hosts=bind_hosts)
        return OffThreadTunnel(await self._worker.run(opening), self._worker)
