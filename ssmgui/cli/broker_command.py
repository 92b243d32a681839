"""`ssmgui broker`: the warm helper that runs `ssmgui ssh-proxy` sessions for proxy processes.

Started by the first proxy that finds none (ssmgui/broker/client.py), it keeps one identity
service and one session API per (profile, region, endpoint) warm, so a proxy's first byte
waits for StartSession and the handshake only, not for imports and client building. It runs
exactly the in-process command's code (`run_stdio_tunnel`, the same endpoints, trust store,
proxies and session records) on the stdin and stdout each proxy hands over, and it never
asks for anything: a sign-in that needs an MFA code goes back to the proxy, which asks on
its terminal as before. It leaves after `--linger` idle seconds, or as soon as its socket
is removed or replaced. See docs/architecture.md, "The warm helper".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ssmgui.broker import wire
from ssmgui.cli.identity_commands import identity_service
from ssmgui.cli.sessions import (
    checked_endpoint_url,
    chosen_profile,
    command_facade,
    session_api,
    ssm_endpoint_for,
)
from ssmgui.cli.tunnel_commands import (
    channel_options,
    proxy_public_key,
    push_proxy_key,
    session_record,
)
from ssmgui.core.credentials import MfaRequest
from ssmgui.core.errors import ConfigurationError, SsmGuiError
from ssmgui.core.tunnel import ssh_session_request
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.identity_facade import IdentityFacade
from ssmgui.services.tunnels.engines.native import run_stdio_tunnel
from ssmgui.services.tunnels.leftover_sessions import sweep_meanwhile
from ssmgui.services.tunnels.session_api import SessionApi

log = logging.getLogger(__name__)

DEFAULT_LINGER_S = 600.0
WATCH_EVERY_S = 1.0
REQUEST_TIMEOUT_S = 10.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    broker = subparsers.add_parser(
        "broker",
        help="the background helper that makes ssh-proxy fast (started on its own)",
        description="Serve ssh-proxy sessions for proxy processes of this user and "
        "environment until idle for --linger seconds. SSMGUI_BROKER=off turns it off.",
    )
    broker.add_argument("--linger", type=float, default=DEFAULT_LINGER_S, metavar="S")
    broker.add_argument(
        "--announce", action="store_true", help="print one line per session served (tests)"
    )
    broker.set_defaults(handler=run_broker)


class _NeedsTerminalError(Exception):
    """A sign-in wants an MFA code: only the proxy's own process can ask for it."""


def _never_ask(_request: MfaRequest) -> str | None:
    raise _NeedsTerminalError


def run_broker(args: argparse.Namespace) -> int:
    if not wire.enabled(os.environ):
        raise ConfigurationError("The helper is switched off here (SSMGUI_BROKER=off).")
    path = wire.socket_path(os.environ)
    if path is None:
        raise ConfigurationError("No private folder for the helper's socket.")
    with identity_service(args, _never_ask) as identity:
        return asyncio.run(Broker(identity, path, args).serve())


class Broker:
    def __init__(self, identity: IdentityService, path: Path, args: argparse.Namespace) -> None:
        self._identity = identity
        self._path = path
        self._linger = float(args.linger)
        self._announce = bool(args.announce)
        self._facades: dict[str | None, IdentityFacade] = {}  # by --endpoint-url
        self._active = 0
        self._idle_since = time.monotonic()

    async def serve(self) -> int:
        listening = _listen(self._path)
        if listening is None:
            return 0  # another helper serves this environment already
        inode = self._path.stat().st_ino
        stop_sweeping = sweep_meanwhile(self._identity)
        loop = asyncio.get_running_loop()
        sessions: set[asyncio.Task[None]] = set()
        loop.add_reader(listening.fileno(), self._accept, listening, sessions)
        try:
            while not self._should_leave(inode):
                await asyncio.sleep(WATCH_EVERY_S)
        finally:
            loop.remove_reader(listening.fileno())
            listening.close()
            with contextlib.suppress(OSError):
                if self._path.stat().st_ino == inode:
                    self._path.unlink()
            for task in sessions:
                task.cancel()
            await asyncio.gather(*sessions, return_exceptions=True)
            await stop_sweeping()
        return 0

    def _should_leave(self, inode: int) -> bool:
        try:
            replaced = self._path.stat().st_ino != inode
        except OSError:
            return True  # removed: nobody can reach us any more
        idle = self._active == 0 and time.monotonic() - self._idle_since > self._linger
        return replaced or idle

    def _accept(self, listening: socket.socket, sessions: set[asyncio.Task[None]]) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            connection, _ = listening.accept()
            connection.setblocking(False)
            task = asyncio.get_running_loop().create_task(self._serve_one(connection))
            sessions.add(task)
            task.add_done_callback(sessions.discard)

    async def _serve_one(self, connection: socket.socket) -> None:
        self._active += 1
        fds: list[int] = []
        try:
            if not _same_user(connection):
                return
            request, fds = await asyncio.wait_for(_request(connection), REQUEST_TIMEOUT_S)
            await self._run(connection, request, fds)
        except (OSError, ValueError, TimeoutError) as exc:
            log.info("a proxy's request failed: %s", exc)
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            connection.close()
            self._active -= 1
            self._idle_since = time.monotonic()

    async def _run(
        self, connection: socket.socket, request: dict[str, Any], fds: list[int]
    ) -> None:
        args = _proxy_arguments(request)
        api = await self._api(args) if args is not None and len(fds) == 2 else None
        if args is None or api is None:
            wire.send(connection, {"fallback": "the proxy runs this one itself"})
            return
        wire.send(connection, {"accepted": True})
        if self._announce:
            print(f"serving ssh-proxy {args.instance} {args.port}", flush=True)
        result = await _session(self._identity, api, args, connection, (fds[0], fds[1]))
        with contextlib.suppress(OSError):
            wire.send(connection, result)

    async def _api(self, args: argparse.Namespace) -> SessionApi | None:
        """A warm API for the proxy's profile and region, or None when getting credentials
        would ask for an MFA code or fails (the proxy then says why, in its own words).
        One facade per endpoint keeps the APIs, and drops them when the AWS files change
        or a sign-in is needed (`IdentityFacade.api_for`)."""
        try:
            if self._identity.needs_login(chosen_profile(args.profile)):
                return None
            endpoint = checked_endpoint_url(args.endpoint_url)
            facade = self._facades.get(endpoint)
            if facade is None:
                facade = command_facade(self._identity, ssm_endpoint_for(args))
                self._facades[endpoint] = facade
            api = await session_api(args, self._identity, facade)
            await api.frozen_credentials()
        except (_NeedsTerminalError, SsmGuiError) as exc:
            log.info("the proxy signs in itself: %s", exc)
            return None
        return api


async def _session(
    identity: IdentityService,
    api: SessionApi,
    args: argparse.Namespace,
    connection: socket.socket,
    stdio: tuple[int, int],
) -> dict[str, Any]:
    """The proxy's session on its stdin and stdout, until either ends or the proxy leaves
    (its connection closes: ssh sent it SIGHUP); the message that ends the proxy. With
    --push-key, the key is pushed first, as the proxy itself does."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    in_fd, out_fd = stdio

    def proxy_left() -> None:
        loop.remove_reader(connection.fileno())  # level-triggered: once is enough
        stop.set()

    loop.add_reader(connection.fileno(), proxy_left)
    try:
        key = proxy_public_key(args)
        await asyncio.to_thread(push_proxy_key, args, identity, key)
        error = await run_stdio_tunnel(
            api,
            ssh_session_request(args.instance, args.port, reason=args.reason),
            in_fd,
            out_fd,
            options=channel_options(args),
            stop=stop,
            record=session_record(args),
        )
    except SsmGuiError as exc:
        error = exc
    except Exception as exc:  # the proxy must hear something; the log keeps the details
        log.exception("an ssh-proxy session failed in the helper")
        return {
            "rc": 1,
            "message": f"the background helper failed ({type(exc).__name__}); "
            "set SSMGUI_BROKER=off to run ssh-proxy on its own.",
        }
    finally:
        loop.remove_reader(connection.fileno())
    return {"rc": 0} if error is None else {"rc": 2, "message": error.user_message}


def _listen(path: Path) -> socket.socket | None:
    """A listening socket at `path` (0600), or None when a live helper is already there."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
        return None
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
    finally:
        probe.close()
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)
    try:
        listening.bind(str(path))
    finally:
        os.umask(old_mask)
    listening.listen(16)
    listening.setblocking(False)
    return listening


def _same_user(connection: socket.socket) -> bool:
    """On Linux, the peer's uid from the kernel; elsewhere the 0700 folder is the guard."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True
    credentials = connection.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return bool(uid == os.getuid())


async def _request(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """The proxy's one message and the descriptors that came with it."""
    lines = wire.Lines()
    while True:
        await _readable(connection)
        data, fds, _flags, _address = socket.recv_fds(connection, wire.MAX_MESSAGE_BYTES, 4)
        if not data:
            raise ValueError("the proxy left before asking")
        lines.feed(data, fds)
        if (message := lines.take()) is not None:
            return message, lines.fds


async def _readable(connection: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    loop.add_reader(connection.fileno(), _settle(ready))
    try:
        await ready
    finally:
        loop.remove_reader(connection.fileno())


def _settle(future: asyncio.Future[None]) -> Callable[[], None]:
    def settle() -> None:
        if not future.done():
            future.set_result(None)

    return settle


def _proxy_arguments(request: dict[str, Any]) -> argparse.Namespace | None:
    """The proxy's ssh-proxy arguments, parsed as the command line parses them; None for
    anything else (the proxy then runs it itself)."""
    from ssmgui.cli import build_parser  # noqa: PLC0415 - the parser imports this module

    argv = request.get("argv")
    if not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv):
        return None
    try:
        args = build_parser().parse_args(argv)
    except SystemExit:
        return None
    if args.command != "ssh-proxy" or args.demo:
        return None
    if args.public_key is not None and not args.public_key.is_absolute():
        return None  # relative to the proxy's folder, which the helper does not share
    return args
