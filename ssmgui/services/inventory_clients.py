"""The inventory's client factory built from boto3 sessions (one per profile).

`session_client_factory(session_for)` returns the `ClientFactory` `InventoryService` takes.
`session_for(profile)` (e.g. `IdentityService.session_for`) is called once per profile; a
boto3 session is not thread-safe, so clients are created from it under a lock, and each
client is then used by one call at a time (see inventory.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import boto3
from botocore.client import BaseClient
from botocore.config import Config

from ssmgui.services import lean_parsers
from ssmgui.services.inventory import ClientFactory

#: Our own loop retries throttling with backoff; botocore retrying too would multiply the
#: wait. Short connect timeout: an unreachable region should say so in seconds, not minutes.
DEFAULT_CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=5,
    read_timeout=30,
)

EndpointFor = Callable[[str, str, str], str | None]


def session_client_factory(
    session_for: Callable[[str], boto3.Session],
    *,
    config: Config | None = None,
    endpoint_url_for: EndpointFor | None = None,
) -> ClientFactory:
    """A factory making `service` clients for (profile, region) from `session_for(profile)`.

    `endpoint_url_for(profile, region, service)` may return an endpoint (the demo world,
    tests); None means botocore's own choice, which honours AWS_ENDPOINT_URL_SSM / _EC2.
    """
    sessions: dict[str, tuple[boto3.Session, threading.Lock]] = {}
    sessions_lock = threading.Lock()
    chosen = config or DEFAULT_CONFIG

    def session(profile: str) -> tuple[boto3.Session, threading.Lock]:
        with sessions_lock:
            if profile not in sessions:
                made = session_for(profile)
                # boto3 offers no public accessor for its botocore session.
                lean_parsers.install(made._session)
                sessions[profile] = (made, threading.Lock())
            return sessions[profile]

    def make(profile: str, region: str, service: str) -> BaseClient:
        boto_session, lock = session(profile)
        endpoint = endpoint_url_for(profile, region, service) if endpoint_url_for else None
        with lock:
            client: BaseClient = boto_session.client(  # type: ignore[call-overload]  # service is a runtime str
                service, region_name=region, config=chosen, endpoint_url=endpoint
            )
        return client

    return make
