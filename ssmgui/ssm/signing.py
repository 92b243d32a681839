"""SigV4 request signing, lean: the same headers botocore's `SigV4Auth` adds, for less CPU.

`sigv4_headers` signs one request (method, URL, headers, body) as `SigV4Auth.add_auth`
would: host from the URL, every header except botocore's unsigned ones, the body's SHA-256,
X-Amz-Date and X-Amz-Security-Token. botocore builds an `AWSRequest` and derives the signing
key with four HMACs on every call; the inventory signs hundreds of small calls per refresh,
so here the derived key is cached per (secret, day, region, service) and the URL's canonical
parts per URL (the cost: docs/architecture.md, "Why it is built this way").

It also signs the data-channel WebSocket upgrade (docs/protocol.md §9): plugin
1.2.764.0 and later sign the upgrade GET of the StreamUrl for service `ssmmessages` with the
AWS SDK for Go v1 signer, and so do we, byte for byte: that signer canonicalises the URL its
own way (`_go_v1_target`), not as botocore does. Whether the service checks it is an open
question, so we always sign — unless the URL is already presigned, which the plugin also
leaves alone.

Nothing here logs, and no result or exception holds the secret key; the headers returned
hold the session token (X-Amz-Security-Token), so callers must not log them either.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, unquote_to_bytes, urlsplit

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


def upgrade_headers(
    url: str, credentials: ReadOnlyCredentials, region: str, now: datetime | None = None
) -> dict[str, str]:
    """The headers to add to the upgrade request: Authorization, X-Amz-Date[, token], as
    AWS's plugin signs them (the AWS SDK for Go v1 signer) at `now` (default: now)."""
    if is_presigned(url):
        return {}
    signed = _signed(
        credentials, method="GET", target=_go_v1_target(url), service=SERVICE,
        region=region, headers={}, body=b"", now=now,
    )  # fmt: skip
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
    return _signed(
        credentials, method=method, target=_canonical_target(url), service=service,
        region=region, headers=headers, body=body, now=now,
    )  # fmt: skip


def _signed(
    credentials: ReadOnlyCredentials,
    *,
    method: str,
    target: tuple[str, str, str],
    service: str,
    region: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None,
) -> dict[str, str]:
    """`headers` plus the SigV4 headers for a request to the canonical (host, path, query)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    out = dict(headers)
    out["X-Amz-Date"] = stamp
    if credentials.token:
        out["X-Amz-Security-Token"] = credentials.token
    host, path, query = target
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


# The AWS SDK for Go v1 signer (aws/signer/v4) and Go's net/url, for the upgrade only:
_GO_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
# What url.URL.EscapedPath keeps of a raw path: RFC 3986 pchar minus percent-escapes, and "/".
_GO_RAW_PATH_OK = _GO_UNRESERVED | frozenset(b"!$&'()*+,;=:@[]/")
_GO_PATH_KEPT = _GO_UNRESERVED | frozenset(b"$&+,/:;=@")  # url's escape(path, encodePath)
_HEX = frozenset(b"0123456789abcdefABCDEF")


@functools.lru_cache(maxsize=64)
def _go_v1_target(url: str) -> tuple[str, str, str]:
    """Host, canonical path and canonical query of `url` as the Go v1 signer makes them.

    Path: Go's `URL.EscapedPath()` (the raw path when it is validly encoded, else the decoded
    path escaped by Go's rules), then every byte but unreserved ones and "/" escaped again
    (`rest.EscapePath`): a "%2F" in the URL is signed as "%252F". Query: Go's
    `url.ParseQuery` (pairs with ";" or a bad escape are dropped, "+" is a space), sorted by
    key with each key's values in order, every byte but unreserved ones escaped, and a space
    as "%20". Host: as written, without user info (Go keeps a port, even :443 for wss).
    """
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    path = _go_escape(_go_escaped_path(parts.path), keep=_GO_UNRESERVED | {ord("/")}) or "/"
    return host, path, _go_query(parts.query)


def _go_escaped_path(raw: str) -> str:
    data = raw.encode()
    if _valid_escapes(data) and all(byte in _GO_RAW_PATH_OK or byte == 0x25 for byte in data):
        return raw
    return _go_escape(unquote_to_bytes(raw).decode("latin-1"), keep=_GO_PATH_KEPT)


def _go_query(raw: str) -> str:
    values: dict[bytes, list[bytes]] = {}
    for pair in raw.split("&"):
        if not pair or ";" in pair:
            continue
        key, _, value = pair.partition("=")
        if not (_valid_escapes(key.encode()) and _valid_escapes(value.encode())):
            continue
        decoded_key = unquote_to_bytes(key.replace("+", " "))
        values.setdefault(decoded_key, []).append(unquote_to_bytes(value.replace("+", " ")))
    return "&".join(
        f"{_go_escape_bytes(key)}={_go_escape_bytes(value)}"
        for key in sorted(values)
        for value in values[key]
    )


def _valid_escapes(data: bytes) -> bool:
    """Every "%" starts a two-digit hex escape (Go refuses the string otherwise)."""
    return all(
        data[i + 1 : i + 2] and data[i + 1] in _HEX and data[i + 2 : i + 3] and data[i + 2] in _HEX
        for i, byte in enumerate(data)
        if byte == 0x25
    )


def _go_escape(text: str, keep: frozenset[int]) -> str:
    return "".join(chr(byte) if byte in keep else f"%{byte:02X}" for byte in text.encode("latin-1"))


def _go_escape_bytes(data: bytes) -> str:
    return "".join(chr(byte) if byte in _GO_UNRESERVED else f"%{byte:02X}" for byte in data)
