"""The native engine: tunnels on our own data-channel client (ssmgui.ssm).

The local port is bound before StartSession so a busy port costs no session; if anything
fails after StartSession, the session is terminated rather than left to time out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from ssmgui.core.errors import SsmGuiError
from ssmgui.core.tunnel import SessionRequest
from ssmgui.services.tunnels.session_api import SessionApi
from ssmgui.ssm.channel import ChannelOptions
from ssmgui.ssm.session import LOOPBACK_HOSTS, LocalListener, PortSession, run_stdio_session


async def open_port_tunnel(
    api: SessionApi,
    request: SessionRequest,
    *,
    local_port: int = 0,
    bind_hosts: Sequence[str] = LOOPBACK_HOSTS,
    options: ChannelOptions | None = None,
    listener: LocalListener | None = None,
) -> PortSession:
    """A tunnel on `listener` (bound here from `local_port` and `bind_hosts` when None);
    the listener is closed if the tunnel cannot be opened."""
    if listener is None:
        listener = await LocalListener.bind(local_port, bind_hosts)
    session_id = ""
    try:
        endpoint = await api.start(request)
        session_id = endpoint.session_id
        return await PortSession.start(endpoint, api, listener, options)
    except BaseException:
        listener.close()
        if session_id:
            with contextlib.suppress(SsmGuiError, OSError, ConnectionError):
                await api.terminate(session_id)
        raise


class NativeEngine:
    """Tunnels on ssmgui's own data-channel client."""

    name = "native"

    def __init__(self, options: ChannelOptions | None = None) -> None:
        self._options = options

    async def open(
        self,
        api: SessionApi,
        request: SessionRequest,
        *,
        local_port: int,
        bind_hosts: Sequence[str],
    ) -> PortSession:
        return await open_port_tunnel(
            api, request, local_port=local_port, bind_hosts=bind_hosts, options=self._options
        )


async def run_stdio_tunnel(
    api: SessionApi,
    request: SessionRequest,
    in_fd: int,
    out_fd: int,
    *,
    options: ChannelOptions | None = None,
    stop: asyncio.Event | None = None,
) -> SsmGuiError | None:
    endpoint = await api.start(request)
    return await run_stdio_session(endpoint, api, in_fd, out_fd, options=options, stop=stop)
