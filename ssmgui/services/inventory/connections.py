"""What the inventory keeps from one refresh to the next: connections and each profile's
credentials.

`KeptForHttp` holds both for the `InventoryService`'s lifetime, so that a refresh neither
opens connections (a TLS handshake each against AWS) nor reads every pair's credentials in
a thread before its first call:

- one `HttpConnection` per (profile, region, endpoint), as each pair had its own before:
  pairs of different profiles in one region share an endpoint URL, but calls on one
  connection go one at a time. http.py replaces a connection idle for too long before
  using it; those made on another event loop are dropped. `aclose()` closes them; later
  calls open new ones.
- each profile's botocore `Credentials`, looked up in a thread once (botocore may run a
  credential process or read SSO files). Their frozen values are taken on the event loop
  unless botocore would refresh them first, which may call STS or SSO: then in a thread
  again. Credentials AWS refused as expired are looked up again (`stale`), and forgotten
  when it refuses them twice (`forget`), so the next refresh starts from the profile.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import boto3
from botocore import exceptions as boto_errors
from botocore.credentials import Credentials, ReadOnlyCredentials, RefreshableCredentials

from ssmgui.services.inventory.http import HttpConnection, Timeouts


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

    def connection(self, profile: str, region: str, url: str) -> HttpConnection:
        """The connection the (profile, region) pair's calls to `url` go through."""
        self._check_loop()
        key = (profile, region, url)
        if key not in self._connections:
            self._connections[key] = HttpConnection(url, timeouts=self._timeouts)
        return self._connections[key]

    async def endpoint(self, profile: str, region: str, service: str) -> str:
        """`service`'s URL for the pair, resolved once in a thread (botocore may read files
        and its endpoint rules, and resolve credentials to make a client)."""
        key = (profile, region, service)
        if key not in self._endpoints:
            url = await asyncio.to_thread(self.source.endpoint_url, profile, region, service)
            self._endpoints[key] = url
        return self._endpoints[key]

    async def credentials(
        self, profile: str, stale: ReadOnlyCredentials | None = None
    ) -> ReadOnlyCredentials:
        """`profile`'s current credentials; looked up again if they equal `stale`."""
        self._check_loop()
        kept = self._credentials.get(profile) or await self._look_up(profile)
        frozen = await _frozen(kept)
        if stale is not None and frozen == stale:
            self._forget_credentials(profile, kept)
            frozen = await _frozen(await self._look_up(profile))
        return frozen

    def forget(self, profile: str) -> None:
        """Drop `profile`'s credentials (AWS refused them): the next call looks them up."""
        self._credentials.pop(profile, None)

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

    async def _look_up(self, profile: str) -> Credentials:
        """One lookup per profile at a time, shared by the pairs waiting for it."""
        lookup = self._lookups.get(profile)
        if lookup is None:
            lookup = asyncio.ensure_future(asyncio.to_thread(self._read, profile))
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

    def _read(self, profile: str) -> Credentials:
        credentials = self.source.session(profile).get_credentials()
        if credentials is None:
            raise boto_errors.NoCredentialsError()
        return credentials

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
        return await asyncio.to_thread(credentials.get_frozen_credentials)
    return credentials.get_frozen_credentials()
