"""The native engine: tunnels on our own data-channel client (ssmgui.ssm).

The local port is bound before StartSession so a busy port costs no session; if anything
fails after StartSession, the session is terminated rather than left to time out.

This engine owns every data channel ssmgui opens itself (the GUI's tunnels, `forward`,
`ssh-proxy`, `connect`), so it is where sessions are recorded (session_record.py): each one
from the moment StartSession answers until TerminateSession does or the service ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence

from ssmgui.core.errors import SessionEndedByServiceError, SsmGuiError
from ssmgui.core.tunnel import SessionRequest
from ssmgui.services.tunnels.session_api import SessionApi
from ssmgui.services.tunnels.session_record import SessionRecord
from ssmgui.ssm.channel import ChannelOptions, DataChannel, SessionControl, StreamEndpoint
from ssmgui.ssm.dial import Route
from ssmgui.ssm.session import LOOPBACK_HOSTS, LocalListener, PortSession, run_stdio_session


async def open_port_tunnel(
    api: SessionApi,
    request: SessionRequest,
    *,
    local_port: int = 0,
    bind_hosts: Sequence[str] = LOOPBACK_HOSTS,
    options: ChannelOptions | None = None,
    listener: LocalListener | None = None,
    record: SessionRecord | None = None,
) -> PortSession:
    """A tunnel on `listener` (bound here from `local_port` and `bind_hosts` when None);
    the listener is closed if the tunnel cannot be opened. With a `record`, the session is
    in it while it lives."""
    if listener is None:
        listener = await LocalListener.bind(local_port, bind_hosts)
    session_id = ""
    control: SessionControl = api
    try:
        endpoint = await api.start(request)
        session_id = endpoint.session_id
        control = recorded = RecordedControl.begin(api, session_id, record)
        tunnel = await PortSession.start(endpoint, control, listener, options)
    except BaseException:
        listener.close()
        if session_id:
            with contextlib.suppress(SsmGuiError, OSError, ConnectionError):
                await control.terminate(session_id)
        raise
    recorded.watch(tunnel.channel)
    return tunnel


class NativeEngine:
    """Tunnels on ssmgui's own data-channel client; sessions go in `record` when given."""

    name = "native"

    def __init__(
        self, options: ChannelOptions | None = None, *, record: SessionRecord | None = None
    ) -> None:
        self._options = options
        self._record = record

    async def open(
        self,
        api: SessionApi,
        request: SessionRequest,
        *,
        local_port: int,
        bind_hosts: Sequence[str],
    ) -> PortSession:
        return await open_port_tunnel(
            api,
            request,
            local_port=local_port,
            bind_hosts=bind_hosts,
            options=self._options,
            record=self._record,
        )


async def run_stdio_tunnel(
    api: SessionApi,
    request: SessionRequest,
    in_fd: int,
    out_fd: int,
    *,
    options: ChannelOptions | None = None,
    stop: asyncio.Event | None = None,
    record: SessionRecord | None = None,
) -> SsmGuiError | None:
    """Standard-stream mode until stdin ends, the session ends or `stop` is set; with a
    `record`, the session is in it while it lives."""
    endpoint = await api.start(request)
    recorded = RecordedControl.begin(api, endpoint.session_id, record)
    error = await run_stdio_session(endpoint, recorded, in_fd, out_fd, options=options, stop=stop)
    recorded.ended(error)
    return error


class RecordedControl:
    """A session's control plane (SessionApi) that keeps the session's record entry true.

    The entry is written by `begin`, as soon as StartSession has answered, and removed when
    TerminateSession answers or the service ends the session. Any other end (TerminateSession
    failed, the network stayed away) keeps it: the service may still hold the session, and
    the next start after this process is gone ends it (leftover_sessions.py).
    """

    def __init__(self, api: SessionApi, session_id: str, record: SessionRecord | None) -> None:
        self._api = api
        self._session_id = session_id
        self._record = record
        self._watching: asyncio.Future[SsmGuiError | None] | None = None

    @classmethod
    def begin(
        cls, api: SessionApi, session_id: str, record: SessionRecord | None
    ) -> RecordedControl:
        if record is not None:
            record.add(
                session_id, profile=api.profile, region=api.region, endpoint_url=api.endpoint_url
            )
        return cls(api, session_id, record)

    async def resume(self, session_id: str) -> StreamEndpoint:
        return await self._api.resume(session_id)

    async def sign(self, url: str) -> Mapping[str, str]:
        return await self._api.sign(url)

    async def route(self, url: str) -> Route:
        return await self._api.route(url)

    async def terminate(self, session_id: str) -> None:
        await self._api.terminate(session_id)  # raises when it failed: the entry stays
        self._forget()

    def watch(self, channel: DataChannel) -> None:
        """Forget the session when the service ends it (no TerminateSession follows)."""
        self._watching = asyncio.ensure_future(channel.wait_closed())
        self._watching.add_done_callback(self._channel_closed)

    def ended(self, error: SsmGuiError | None) -> None:
        """The channel closed with `error` (None: we closed it)."""
        if isinstance(error, SessionEndedByServiceError):
            self._forget()

    def _channel_closed(self, watching: asyncio.Future[SsmGuiError | None]) -> None:
        if not watching.cancelled():  # cancelled: the loop is closing, the end is unknown
            self.ended(watching.result())

    def _forget(self) -> None:
        if self._record is not None:
            self._record.remove(self._session_id)
