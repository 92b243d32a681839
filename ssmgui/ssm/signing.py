"""SigV4 request signing, lean: the same headers botocore's `SigV4Auth` adds, for less CPU.

`sigv4_headers` signs one request (method, URL, headers, body) as `SigV4Auth.add_auth`
would: host from the URL, every header except botocore's unsigned ones, the body's SHA-256,
X-Amz-Date and X-Amz-Security-Token. botocore builds an `AWSRequest` and derives the signing
key with four HMACs on every call; the inventory signs hundreds of small calls per refresh,
so here the derived key is cached per (secret, day, region, service) and the URL's canonical
parts per URL (the cost: docs/architecture.md, "Why it is built this way").

It also signs the data-channel WebSocket upgrade (docs/protocol.md §9): plugin
1.2.764.0 and later sign the upgrade GET of the StreamUrl for service `ssmmessages`; whether
the service requires it is an open question, so we always sign — unless the URL is already
presigned, which the plugin also leaves alone.

Nothing here logs, and no result or exception holds the secret key; the headers returned
hold the session token (X-Amz-Security-Token), so callers must not log them either.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, urlsplit

from botocore.auth import SIGNED_HEADERS_BLACKLIST
from botocore.credentials import ReadOnlyCredentials
from botocore.utils import normalize_url_path

SERVICE = "ssmmessages"
ALGORITHM = "AWS4-HMAC-SHA256"
_SIGNED_HEADERS = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")
_UNSIGNED = frozenset(SIGNED_HEADERS_BLACKLIST)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_presigned(url: str) -> bool:
    query = parse_qs(urlsplit(url).query)
    return "X-Amz-Signature" in query or "X-Amz-Algorithm" in query


def upgrade_headers(url: str, credentials: ReadOnlyCredentials, region: str) -> dict[str, str]:
    """The headers to add to the upgrade request: Authorization, X-Amz-Date[, token]."""
    if is_presigned(url):
        return {}
    signed = sigv4_headers(
        credentials, method="GET", url=url, service=SERVICE, region=region, headers={}, body=b""
    )
    return {name: signed[name] for name in _SIGNED_HEADERS if name in signed}


def sigv4_headers(
    credentials: ReadOnlyCredentials,
    *,
    method: str,
    url: str,
    service: str,
    region: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
) -> dict[str, str]:
    """`headers` plus X-Amz-Date, X-Amz-Security-Token (if the credentials have a token) and
    Authorization, as botocore's `SigV4Auth(credentials, service, region)` would add them at
    `now` (default: the current time). Host is signed but not added (the HTTP client sends
    it). The result holds the session token: never log it."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    out = dict(headers)
    out["X-Amz-Date"] = stamp
    if credentials.token:
        out["X-Amz-Security-Token"] = credentials.token
    host, path, query = _canonical_target(url)
    canonical = {"host": host}
    for name, value in out.items():
        lowered = name.lower()
        if lowered not in _UNSIGNED:
            canonical[lowered] = " ".join(value.split())
    names = sorted(canonical)
    signed_names = ";".join(names)
    canonical_request = "\n".join(
        (
            method.upper(),
            path,
            query,
            "".join(f"{name}:{canonical[name]}\n" for name in names),
            signed_names,
            hashlib.sha256(body).hexdigest(),
        )
    )
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        (ALGORITHM, stamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest())
    )
    key = _signing_key(credentials.secret_key, stamp[:8], region, service)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = (
        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_names}, Signature={signature}"
    )
    return out


@functools.lru_cache(maxsize=64)
def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    """The derived key: valid for one day, region and service, so a refresh derives each
    once instead of per call. Held only in this process's memory."""
    key = hmac.new(f"AWS4{secret}".encode(), day.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


@functools.lru_cache(maxsize=256)
def _canonical_target(url: str) -> tuple[str, str, str]:
    """Host (as botocore derives it), canonical path and canonical query of `url`."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    path = quote(normalize_url_path(parts.path), safe="/~")
    # botocore sorts the query's key=value pairs as they are written, without re-encoding.
    pairs = sorted(pair.partition("=")[::2] for pair in parts.query.split("&") if parts.query)
    return host, path, "&".join(f"{key}={value}" for key, value in pairs)
