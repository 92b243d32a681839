"""Which StreamUrls the client will connect to (docs/protocol.md §9).

The token in OpenDataChannel is a bearer secret: sending it to a host that is not AWS
Session Manager would leak a live session. So the StreamUrl from StartSession must be
`wss://` to an ssmmessages endpoint of some AWS partition (or a VPC endpoint of it).
A fake service on loopback is allowed only when the caller names its host explicitly.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ssmgui.core.errors import EndpointRejectedError

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_PARTITION_DOMAINS = (
    r"amazonaws\.com",
    r"amazonaws\.com\.cn",
    r"api\.aws",  # dual-stack endpoints
    r"c2s\.ic\.gov",
    r"sc2s\.sgov\.gov",
    r"cloud\.adc-e\.uk",
    r"csp\.hci\.ic\.gov",
)
_DOMAIN = "(?:" + "|".join(_PARTITION_DOMAINS) + ")"
_AWS_STREAM_HOST = re.compile(
    rf"^(?:ssmmessages(?:-fips)?\.{_REGION}\.{_DOMAIN}"
    rf"|vpce-[0-9a-z]+(?:-[0-9a-z]+)*(?:-{_REGION}[a-z])?\.ssmmessages\.{_REGION}"
    rf"\.vpce\.{_DOMAIN})$"
)


def is_aws_stream_host(host: str) -> bool:
    return bool(_AWS_STREAM_HOST.match(host.lower().rstrip(".")))


def check_stream_url(url: str, allowed_hosts: frozenset[str] = frozenset()) -> None:
    """Raise EndpointRejectedError unless `url` is an AWS Session Manager data channel.

    `allowed_hosts` ("host" or "host:port") admits a named non-AWS endpoint, plain `ws://`
    included: only the demo world and tests pass it.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host_port = f"{host}:{parts.port}" if parts.port else host
    if host in allowed_hosts or host_port in allowed_hosts:
        if parts.scheme in ("ws", "wss"):
            return
    elif parts.scheme == "wss" and is_aws_stream_host(host):
        return
    raise EndpointRejectedError(
        f"Refusing to open the data channel at {parts.scheme}://{host_port}: it is not an "
        "AWS Session Manager endpoint (expected wss://ssmmessages.<region>.amazonaws.com). "
        "Check the SSM endpoint URL in your configuration."
    )
