"""A running port session: the data channel joined to its local end, with its stats.

The local listener is bound *before* StartSession, so a busy port fails fast without
creating a session. Connections that arrive during the handshake wait for it.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Sequence

from ssmgui.core.errors import (
    ConfigurationError,
    PortInUseError,
    ProtocolError,
    SsmGuiError,
    TargetUnreachableError,
)
from ssmgui.core.tunnel import TunnelStats
from ssmgui.ssm.channel import ChannelOptions, DataChannel, SessionControl, StreamEndpoint
from ssmgui.ssm.forward import BasicForwarder, ForwardStats, MuxForwarder, StdioForwarder
from ssmgui.ssm.handshake import Handshake
from ssmgui.ssm.smux import Cmd, encode_frame

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("127.0.0.1", "::1")
SMUX_KEEPALIVE_S = 10.0
_IPV6_UNAVAILABLE = {errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}


class LocalListener:
    """TCP listeners on one port across the loopback addresses (127.0.0.1 and ::1).

    Both loopbacks, because the plugin's "localhost" can end up IPv6-only and clients that
    dial 127.0.0.1 then fail (session-manager-plugin#46).
    """

    def __init__(self, servers: list[asyncio.Server], port: int) -> None:
        self._servers = servers
        self.port = port
        self._handler: MuxForwarder | BasicForwarder | None = None
        self._ready = asyncio.Event()
        self._closed = False

    @classmethod
    async def bind(cls, port: int = 0, hosts: Sequence[str] = LOOPBACK_HOSTS) -> LocalListener:
        listener = cls([], port)
        try:
            await listener._bind_all(port, hosts)
        except BaseException:
            listener.close()
            raise
        return listener

    async def _bind_all(self, port: int, hosts: Sequence[str]) -> None:
        first, *others = hosts
        self._servers.append(await _start_server(self._accept, first, port))
        self.port = _bound_port(self._servers[0])
        for host in others:
            try:
                self._servers.append(await _start_server(self._accept, host, self.port))
            except PortInUseError:
                log.warning("port %d is taken on %s by another program", self.port, host)
            except OSError as exc:
                if exc.errno not in _IPV6_UNAVAILABLE:
                    raise
                log.debug("no %s here: %s", host, exc)

    def attach(self, forwarder: MuxForwarder | BasicForwarder) -> None:
        self._handler = forwarder
        self._ready.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._ready.wait()
            if self._handler is None or self._closed:
                writer.close()
                return
            await self._handler.serve(reader, writer)
        except SsmGuiError as exc:
            # The session ended under this connection; the channel reports why, once, to
            # whoever waits on the tunnel. The client just sees its connection close.
            log.debug("local connection closed: %s", exc.user_message)
            writer.close()
        except asyncio.CancelledError:
            # Stopping cancels open connections; on Python 3.11 a cancelled stream handler
            # makes asyncio log a bogus "Exception in callback" (fixed in 3.12). The
            # connection is closed either way.
            writer.close()

    def close(self) -> None:
        self._closed = True
        self._ready.set()
        for server in self._servers:
            server.close()


async def _start_server(handler: object, host: str, port: int) -> asyncio.Server:
    try:
        return await asyncio.start_server(
            handler,  # type: ignore[arg-type]
            host,
            port,
            family=socket.AF_INET6 if ":" in host else socket.AF_INET,
            reuse_address=True,
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(
                f"Local port {port} is already in use by another program. Choose another port, "
                "or stop the program that holds it (on Windows, 3389 belongs to Remote Desktop)."
            ) from exc
        if exc.errno == errno.EADDRNOTAVAIL:
            raise ConfigurationError(
                f"Cannot listen on {host}: it is not an address of this computer. Use "
                "127.0.0.1, or an address your network interfaces have."
            ) from None
        raise


def _bound_port(server: asyncio.Server) -> int:
    port: int = server.sockets[0].getsockname()[1]
    return port


class PortSession:
    """Port forwarding through one session, to a local listener."""

    def __init__(self, channel: DataChannel, listener: LocalListener, handshake: Handshake) -> None:
        self.channel = channel
        self.listener = listener
        self.handshake = handshake
        self._forward_stats = ForwardStats()
        self.last_target_error: str | None = None
        self._forwarder: MuxForwarder | BasicForwarder
        if handshake.uses_mux:
            self._forwarder = MuxForwarder(channel, self._forward_stats, self._target_error)
        else:
            self._forwarder = BasicForwarder(channel, self._forward_stats)
        channel.set_sink(self._forwarder)
        listener.attach(self._forwarder)
        self._keepalive: asyncio.Task[None] | None = None
        if handshake.uses_mux and handshake.smux_keepalive:
            self._keepalive = asyncio.get_running_loop().create_task(self._send_nops())

    @classmethod
    async def start(
        cls,
        endpoint: StreamEndpoint,
        control: SessionControl,
        listener: LocalListener,
        options: ChannelOptions | None = None,
    ) -> PortSession:
        channel = DataChannel(endpoint, control, options)
        handshake = await channel.open()
        if not handshake.is_local_port_forwarding:
            await channel.close(reason="not a port-forwarding session")
            raise ProtocolError("This session has no local port (use ssh-proxy for SSH sessions).")
        return cls(channel, listener, handshake)

    @property
    def local_port(self) -> int:
        return self.listener.port

    @property
    def session_id(self) -> str:
        return self.channel.session_id

    @property
    def mode(self) -> str:
        return "mux" if isinstance(self._forwarder, MuxForwarder) else "basic"

    def stats(self) -> TunnelStats:
        forward = self._forward_stats
        return TunnelStats(
            bytes_up=forward.bytes_from_clients,
            bytes_down=forward.bytes_to_clients,
            open_connections=forward.open_connections,
            total_connections=forward.total_connections,
            reconnects=self.channel.stats.reconnects,
            target_errors=forward.target_errors,
        )

    def _target_error(self, _code: str) -> None:
        port = self.handshake.properties.get("portNumber", "?")
        host = self.handshake.properties.get("host")
        where = f"{host}:{port}" if host else f"port {port}"
        error = TargetUnreachableError(
            f"The instance could not connect to {where}: nothing listens there, or a firewall "
            "blocks it. Check the service on the instance."
        )
        self.last_target_error = error.user_message
        log.warning("%s", error.user_message)

    async def wait_closed(self) -> SsmGuiError | None:
        return await self.channel.wait_closed()

    async def stop(self, reason: str = "stopped") -> None:
        self.listener.close()
        if self._keepalive is not None:
            self._keepalive.cancel()
        await self.channel.close(reason=reason)
        self._forwarder.close_all()

    async def _send_nops(self) -> None:
        """smux keepalive for old agents that expect it (docs/protocol.md §7, §8)."""
        while not self.channel.is_closed:
            await asyncio.sleep(SMUX_KEEPALIVE_S)
            await self.channel.send(encode_frame(Cmd.NOP, 0))


async def run_stdio_session(
    endpoint: StreamEndpoint,
    control: SessionControl,
    in_fd: int,
    out_fd: int,
    *,
    options: ChannelOptions | None = None,
    stop: asyncio.Event | None = None,
) -> SsmGuiError | None:
    """Standard-stream mode (AWS-StartSSHSession): until stdin ends, the session ends, or
    `stop` is set; the session is terminated in every case."""
    channel = DataChannel(endpoint, control, options)
    await channel.open()
    forwarder = StdioForwarder(channel, ForwardStats(), in_fd, out_fd)
    channel.set_sink(forwarder)
    loop = asyncio.get_running_loop()
    output = loop.create_task(forwarder.pump_output())
    waits = {
        loop.create_task(forwarder.pump_input()),
        loop.create_task(channel.wait_closed()),
        loop.create_task((stop or asyncio.Event()).wait()),
    }
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
        await channel.close(reason="standard stream ended")
        forwarder.close_all()
        await output
    return await channel.wait_closed()
