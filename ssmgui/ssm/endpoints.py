"""Which StreamUrls the client will connect to (docs/protocol.md §9).

The token in OpenDataChannel is a bearer secret: sending it to a host that is not AWS
Session Manager would leak a live session. So the StreamUrl from StartSession must be
`wss://` to an ssmmessages endpoint of some AWS partition (or a VPC endpoint of it).
A fake service on loopback is allowed only when the caller names its host explicitly.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from botocore.loaders import create_loader

from ssmgui.core.errors import EndpointRejectedError

_REGION = r"[a-z]{2,4}(?:-[a-z]+)+-\d+"


@functools.cache
def _aws_stream_host() -> re.Pattern[str]:
    """Session Manager data-channel hosts of every partition botocore knows: standard and
    FIPS names under each partition's DNS suffix and dual-stack suffix, and VPC interface
    endpoints. The suffixes come from botocore's partitions data, not from a list here."""
    partitions = create_loader().load_data("partitions")["partitions"]
    suffixes = sorted(
        {
            suffix
            for partition in partitions
            for suffix in (
                partition["outputs"].get("dnsSuffix"),
                partition["outputs"].get("dualStackDnsSuffix"),
            )
            if suffix
        }
    )
    domain = "(?:" + "|".join(re.escape(suffix) for suffix in suffixes) + ")"
    return re.compile(
        rf"^(?:ssmmessages(?:-fips)?\.{_REGION}\.{domain}"
        rf"|vpce-[0-9a-z]+(?:-[0-9a-z]+)*(?:-{_REGION}[a-z])?\.ssmmessages\.{_REGION}"
        rf"\.vpce\.{domain})$"
    )


def is_aws_stream_host(host: str) -> bool:
    return bool(_aws_stream_host().match(host.lower().rstrip(".")))


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
