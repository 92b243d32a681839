"""The inventory's client factory built from boto3 sessions (one per profile).

`session_client_factory(session_for)` returns the `ClientFactory` `InventoryService` takes,
which is also the `SessionSource` its default HTTP path reads credentials and endpoints
from. `session_for(profile)` (e.g. `IdentityService.session_for`) is called once per
profile; a boto3 session is not thread-safe, so clients are created from it under a lock,
and each client is then used by one call at a time (see inventory.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import boto3
from botocore.client import BaseClient
from botocore.config import Config

from ssmgui.services.inventory import parsing as lean_parsers

#: Our own loop retries throttling with backoff; botocore retrying too would multiply the
#: wait. Short connect timeout: an unreachable region should say so in seconds, not minutes.
DEFAULT_CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=5,
    read_timeout=30,
)

EndpointFor = Callable[[str, str, str], str | None]


class SessionClientFactory:
    """Calling it makes a boto3 client: (profile, region, service) → client (thread-safe).
    `session(profile)` and `endpoint_url(...)` serve the HTTP path (`SessionSource`)."""

    def __init__(
        self,
        session_for: Callable[[str], boto3.Session],
        config: Config,
        endpoint_url_for: EndpointFor | None,
    ) -> None:
        self._session_for = session_for
        self._config = config
        self._endpoint_url_for = endpoint_url_for
        self._sessions: dict[str, tuple[boto3.Session, threading.Lock]] = {}
        self._sessions_lock = threading.Lock()

    def __call__(self, profile: str, region: str, service: str) -> BaseClient:
        boto_session, lock = self._locked_session(profile)
        endpoint = self.endpoint_url(profile, region, service)
        with lock:
            client: BaseClient = boto_session.client(  # type: ignore[call-overload]  # service is a runtime str
                service, region_name=region, config=self._config, endpoint_url=endpoint
            )
        return client

    def session(self, profile: str) -> boto3.Session:
        """The profile's session, made once. Callers must not make clients from it
        concurrently (reading credentials is safe: botocore locks its refreshes)."""
        return self._locked_session(profile)[0]

    def endpoint_url(self, profile: str, region: str, service: str) -> str | None:
        """The override for (profile, region, service), or None for the standard endpoint."""
        if self._endpoint_url_for is None:
            return None
        return self._endpoint_url_for(profile, region, service)

    def _locked_session(self, profile: str) -> tuple[boto3.Session, threading.Lock]:
        with self._sessions_lock:
            if profile not in self._sessions:
                made = self._session_for(profile)
                # boto3 offers no public accessor for its botocore session.
                lean_parsers.install(made._session)
                self._sessions[profile] = (made, threading.Lock())
            return self._sessions[profile]


def session_client_factory(
    session_for: Callable[[str], boto3.Session],
    *,
    config: Config | None = None,
    endpoint_url_for: EndpointFor | None = None,
) -> SessionClientFactory:
    """A factory making `service` clients for (profile, region) from `session_for(profile)`.

    `endpoint_url_for(profile, region, service)` may return an endpoint (the demo world,
    tests); None means the standard choice, which honours AWS_ENDPOINT_URL_SSM / _EC2.
    """
    return SessionClientFactory(session_for, config or DEFAULT_CONFIG, endpoint_url_for)
