"""SigV4 check of the WebSocket upgrade (docs/protocol.md §9).

The client signs the upgrade GET of the StreamUrl with botocore's SigV4Auth, service
`ssmmessages`; signed headers host;x-amz-date[;x-amz-security-token], empty-body hash.
Modes: "off" (ignore), "present" (a well-formed header is required), "verify" (recompute
the signature for keys we know; unknown keys pass only if allowed).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "ssmmessages"
MODES = ("off", "present", "verify")

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/"
    r"(?P<service>[^/,\s]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


def region_from_authorization(value: str | None) -> str | None:
    """The region of a SigV4 credential scope, if the header is one."""
    match = _AUTH.match(value or "")
    return match["region"] if match else None


def _parse(headers: Mapping[str, str]) -> tuple[re.Match[str], str] | str:
    """The Authorization match and X-Amz-Date, or why they are not well-formed."""
    match = _AUTH.match(headers.get("authorization", ""))
    amz_date = headers.get("x-amz-date", "")
    if match is None or not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
        return "missing or malformed SigV4 Authorization / X-Amz-Date"
    if match["service"] != SERVICE or match["date"] != amz_date[:8]:
        return "credential scope does not match ssmmessages / X-Amz-Date"
    signed = match["signed"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return "host and x-amz-date must be signed"
    return match, amz_date


def check_upgrade(
    mode: str,
    url: str,
    headers: Mapping[str, str],
    *,
    region: str,
    credentials: Mapping[str, str],
    accept_unknown_keys: bool,
) -> str | None:
    """None if the upgrade request passes `mode`, else why it does not (answer 403).

    `url` is the StreamUrl as the client used it (scheme, host:port, path and query);
    `headers` maps lower-case header names to values.
    """
    if mode == "off":
        return None
    parsed = _parse(headers)
    if isinstance(parsed, str):
        return parsed
    match, amz_date = parsed
    secret = credentials.get(match["key"])
    if mode == "present" or (secret is None and accept_unknown_keys):
        return None
    if secret is None:
        return "unknown access key"
    auth = SigV4Auth(Credentials(match["key"], secret), SERVICE, region)
    expected = _signature(auth, url, headers, match["signed"].split(";"), amz_date)
    if expected is None or not hmac.compare_digest(expected, match["signature"]):
        return "signature does not match"
    return None


def _signature(
    auth: SigV4Auth, url: str, headers: Mapping[str, str], signed: list[str], amz_date: str
) -> str | None:
    """Recompute the signature over exactly the headers the client says it signed."""
    values = {}
    for name in signed:
        value = headers.get(name)
        if value is None:
            return None
        values[name] = value
    request = AWSRequest(method="GET", url=url, headers=values, data=b"")
    request.context["timestamp"] = amz_date
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    return str(auth.signature(string_to_sign, request))
