"""What the inventory keeps from one refresh to the next: connections, each profile's
credentials, and how each endpoint is reached.

`KeptForHttp` holds them for the `InventoryService`'s lifetime, so that a refresh neither
opens connections (a TLS handshake each against AWS) nor reads every pair's credentials in
a thread before its first call:

- one `HttpConnection` per (profile, region, endpoint), as each pair had its own before:
  pairs of different profiles in one region share an endpoint URL, but calls on one
  connection go one at a time. http.py replaces a connection idle for too long before
  using it; those made on another event loop are dropped. `aclose()` closes them; later
  calls open new ones.
- each (profile, endpoint)'s route: the proxy and CA bundle botocore would use for it with
  the profile's settings (`services/aws/transport.py`), worked out in a thread with the
  endpoint, where the CA bundle is also loaded once.
- each profile's botocore `Credentials`, looked up in a thread once (botocore may run a
  credential process or read SSO files). Their frozen values are taken on the event loop
  unless botocore would refresh them first, which may call STS or SSO: then in a thread
  again. Credentials AWS refused as expired are looked up again (`stale`), and forgotten
  when it refuses them twice (`forget`), so the next refresh starts from the profile. Each
  profile's session is asked of the source once, and again for those lookups.

A lookup may wait minutes for a person (an MFA code being typed): it holds only its own
profile's lock, and runs in a thread of its own rather than the loop's default pool, whose
few threads every other profile's endpoints need. The service asks for a pair's
credentials before the pair takes one of its listing slots (service.py), so a profile
waiting for its sign-in holds up no other.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

import boto3
from botocore import exceptions as boto_errors
from botocore.credentials import Credentials, ReadOnlyCredentials, RefreshableCredentials

from ssmgui.services.aws.transport import route_for
from ssmgui.services.inventory.http import HttpConnection, Timeouts
from ssmgui.ssm.dial import DialError, Route

T = TypeVar("T")


class SessionSource(Protocol):
    """Where the HTTP path finds a profile's boto3 session and any endpoint override."""

    def session(self, profile: str) -> boto3.Session:
        """The profile's session; thread-safe, may block (called in a worker thread)."""

    def endpoint_url(self, profile: str, region: str, service: str) -> str:
        """The URL of `service` for the profile in `region`, as botocore resolves it (or
        as a demo or test names it); thread-safe, may block (called in a worker thread)."""


class KeptForHttp:
    """Connections and credentials shared by a service's refreshes; see the module docstring."""

    def __init__(self, source: SessionSource, timeouts: Timeouts | None = None) -> None:
        self.source = source
        self._timeouts = timeouts or Timeouts()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: dict[tuple[str, str, str], HttpConnection] = {}
        self._credentials: dict[str, Credentials] = {}
        self._lookups: dict[str, asyncio.Task[Credentials]] = {}
        self._endpoints: dict[tuple[str, str, str], str] = {}
        self._routes: dict[tuple[str, str], Route] = {}
        self._sessions: dict[str, boto3.Session] = {}
        self._session_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def connection(self, profile: str, region: str, url: str) -> HttpConnection:
        """The connection the (profile, region) pair's calls to `url` go through; `url`
        is one `endpoint` returned for the profile (it knows how to reach it)."""
        self._check_loop()
        key = (profile, region, url)
        if key not in self._connections:
            route = self._routes[(profile, url)]
            self._connections[key] = HttpConnection(url, timeouts=self._timeouts, route=route)
        return self._connections[key]

    async def endpoint(self, profile: str, region: str, service: str) -> str:
        """`service`'s URL for the pair, resolved once in a thread with its route (botocore
        may read files, its endpoint rules and the system's proxy settings, and resolve
        credentials to make a client)."""
        key = (profile, region, service)
        if key not in self._endpoints:
            url = await asyncio.to_thread(self._resolve, profile, region, service)
            self._endpoints[key] = url
        return self._endpoints[key]

    def _resolve(self, profile: str, region: str, service: str) -> str:
        """In a thread: the endpoint's URL, and its route kept for `connection`."""
        url = self.source.endpoint_url(profile, region, service)
        if (profile, url) not in self._routes:
            route = route_for(self._session(profile), url)
            with contextlib.suppress(DialError):  # the dial reports it, as the call's failure
                route.ssl_context()
            self._routes[(profile, url)] = route
        return url

    async def credentials(
        self, profile: str, stale: ReadOnlyCredentials | None = None
    ) -> ReadOnlyCredentials:
        """`profile`'s current credentials; looked up again if they equal `stale`."""
        self._check_loop()
        kept = self._credentials.get(profile) or await self._look_up(profile)
        frozen = await _frozen(kept)
        if stale is not None and frozen == stale:
            self._forget_credentials(profile, kept)
            frozen = await _frozen(await self._look_up(profile, fresh=True))
        return frozen

    def forget(self, profile: str) -> None:
        """Drop `profile`'s credentials (AWS refused them): the next call looks them up,
        from a session asked of the source again."""
        self._credentials.pop(profile, None)
        with self._session_lock(profile):
            self._sessions.pop(profile, None)

    async def aclose(self) -> None:
        """Close every kept connection (those of another event loop are only dropped: they
        cannot be closed from this one, and went with their loop)."""
        connections, self._connections = list(self._connections.values()), {}
        if self._loop is not asyncio.get_running_loop():
            return
        for connection in connections:
            await connection.aclose()

    def _forget_credentials(self, profile: str, kept: Credentials) -> None:
        if self._credentials.get(profile) is kept:
            del self._credentials[profile]

    async def _look_up(self, profile: str, *, fresh: bool = False) -> Credentials:
        """One lookup per profile at a time, shared by the pairs waiting for it; `fresh`
        asks the source for the profile's session again (the kept one's were refused)."""
        lookup = self._lookups.get(profile)
        if lookup is None:
            lookup = asyncio.ensure_future(in_own_thread(self._read, profile, fresh))
            self._lookups[profile] = lookup
            lookup.add_done_callback(lambda done: self._lookup_done(profile, done))
        credentials = await asyncio.shield(lookup)
        self._credentials[profile] = credentials
        return credentials

    def _lookup_done(self, profile: str, lookup: asyncio.Task[Credentials]) -> None:
        if not lookup.cancelled():
            # Retrieved here: every pair waiting on it may have been cancelled meanwhile (on
            # quit, the MFA prompt it waited on is cancelled too), leaving its error unread.
            lookup.exception()
        if self._lookups.get(profile) is lookup:
            del self._lookups[profile]

    def _read(self, profile: str, fresh: bool) -> Credentials:
        credentials = self._session(profile, fresh=fresh).get_credentials()
        if credentials is None:
            raise boto_errors.NoCredentialsError()
        return credentials

    def _session(self, profile: str, *, fresh: bool = False) -> boto3.Session:
        """The profile's session (from worker threads): asked of the source once, and again
        when `fresh`; its settings give routes, its credentials the calls' signatures."""
        with self._session_lock(profile):
            if fresh or profile not in self._sessions:
                self._sessions[profile] = self.source.session(profile)
            return self._sessions[profile]

    def _session_lock(self, profile: str) -> threading.Lock:
        """One lock per profile: asking the source for a session may wait for a person."""
        with self._locks_guard:
            return self._session_locks.setdefault(profile, threading.Lock())

    def _check_loop(self) -> None:
        """Connections and lookups belong to one event loop: start afresh on another."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._connections.clear()
            self._lookups.clear()


async def _frozen(credentials: Credentials) -> ReadOnlyCredentials:
    """Frozen values, in a thread when botocore would refresh them first (STS, SSO)."""
    if isinstance(credentials, RefreshableCredentials) and credentials.refresh_needed():
        return await in_own_thread(credentials.get_frozen_credentials)
    return credentials.get_frozen_credentials()


async def in_own_thread(function: Callable[..., T], *args: object) -> T:
    """`function(*args)` in a daemon thread of its own (see the module docstring: it may
    wait for a person). Cancelling the await leaves the thread to end by itself, as
    `asyncio.to_thread` does; a daemon thread does not hold up quitting."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not done.done():  # the awaiting task may have been cancelled meanwhile
            outcome()

    def run() -> None:
        try:
            result = function(*args)
        except BaseException as exc:  # handed to the awaiting task, whatever it is
            failure = exc
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(settle, lambda: done.set_exception(failure))
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle, lambda: done.set_result(result))

    threading.Thread(target=run, name="ssmgui-credentials", daemon=True).start()
    return await done
