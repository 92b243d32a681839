"""The inventory's `SessionSource` built from boto3 sessions (one per profile).

`ProfileSessions(session_for)` is what `InventoryService` reads each profile's credentials
and endpoints from; `session_for(profile)` (e.g. `IdentityService.session_for`) is called
once per profile, from worker threads, and the session kept for the service's lifetime.
It may wait for a person (an MFA code): each profile has its own lock, so a profile waiting
for its sign-in never holds up another's.
Endpoints are botocore's own answer for the profile: a client of the service is made for
the region and its `meta.endpoint_url` kept, so `endpoint_url` in the profile, `[services]`
sections, AWS_ENDPOINT_URL_*, FIPS, dual-stack and every partition's domain resolve for the
listing exactly as for StartSession.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import boto3

EndpointFor = Callable[[str, str, str], str | None]


class ProfileSessions:
    """A `SessionSource`: each profile's boto3 session, made once (thread-safe), and each
    (profile, region, service)'s endpoint as botocore resolves it, unless
    `endpoint_url_for(profile, region, service)` names one (the demo world, tests)."""

    def __init__(
        self,
        session_for: Callable[[str], boto3.Session],
        *,
        endpoint_url_for: EndpointFor | None = None,
    ) -> None:
        self._session_for = session_for
        self._endpoint_url_for = endpoint_url_for
        self._sessions: dict[str, boto3.Session] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def session(self, profile: str) -> boto3.Session:
        """The profile's session, made on first use (may block: it reads AWS files, and may
        wait for the person's MFA code — holding only this profile's lock)."""
        with self._lock_for(profile):
            if profile not in self._sessions:
                self._sessions[profile] = self._session_for(profile)
            return self._sessions[profile]

    def endpoint_url(self, profile: str, region: str, service: str) -> str:
        """The URL the listing sends `service`'s calls to. Blocks while botocore makes a
        client for it (its endpoint rules, the profile's configuration): callers keep the
        answer (`KeptForHttp.endpoint` does, once per pair and service)."""
        if self._endpoint_url_for is not None:
            named = self._endpoint_url_for(profile, region, service)
            if named is not None:
                return named
        session = self.session(profile)
        with self._lock_for(profile):  # a boto3 session makes one client at a time
            client = session.client(service, region_name=region)  # type: ignore[call-overload]
        return str(client.meta.endpoint_url)

    def _lock_for(self, profile: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(profile, threading.Lock())
