"""SigV4 for the data-channel WebSocket upgrade (docs/ssm-protocol.md §9).

Plugin 1.2.764.0 and later sign the upgrade GET of the StreamUrl for service `ssmmessages`;
whether the service requires it is an open question, so we always sign — unless the URL is
already presigned, which the plugin also leaves alone.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

SERVICE = "ssmmessages"
_SIGNED_HEADERS = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")


def is_presigned(url: str) -> bool:
    query = parse_qs(urlsplit(url).query)
    return "X-Amz-Signature" in query or "X-Amz-Algorithm" in query


def upgrade_headers(url: str, credentials: ReadOnlyCredentials, region: str) -> dict[str, str]:
    """The headers to add to the upgrade request: Authorization, X-Amz-Date[, token]."""
    if is_presigned(url):
        return {}
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(credentials, SERVICE, region).add_auth(request)
    return {name: str(request.headers[name]) for name in _SIGNED_HEADERS if name in request.headers}
