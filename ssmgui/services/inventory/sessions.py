"""The inventory's `SessionSource` built from boto3 sessions (one per profile).

`ProfileSessions(session_for)` is what `InventoryService` reads each profile's credentials
from; `session_for(profile)` (e.g. `IdentityService.session_for`) is called once per
profile, from worker threads, and the session kept for the service's lifetime.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import boto3

EndpointFor = Callable[[str, str, str], str | None]


class ProfileSessions:
    """A `SessionSource`: each profile's boto3 session, made once (thread-safe), and the
    endpoint overrides of `endpoint_url_for(profile, region, service)` (the demo world,
    tests); None there means the standard endpoint, which honours AWS_ENDPOINT_URL_SSM /
    _EC2 (`calls.default_endpoint`)."""

    def __init__(
        self,
        session_for: Callable[[str], boto3.Session],
        *,
        endpoint_url_for: EndpointFor | None = None,
    ) -> None:
        self._session_for = session_for
        self._endpoint_url_for = endpoint_url_for
        self._sessions: dict[str, boto3.Session] = {}
        self._lock = threading.Lock()

    def session(self, profile: str) -> boto3.Session:
        """The profile's session, made on first use (may block: it reads AWS files)."""
        with self._lock:
            if profile not in self._sessions:
                self._sessions[profile] = self._session_for(profile)
            return self._sessions[profile]

    def endpoint_url(self, profile: str, region: str, service: str) -> str | None:
        """The override for (profile, region, service), or None for the standard endpoint."""
        if self._endpoint_url_for is None:
            return None
        return self._endpoint_url_for(profile, region, service)
