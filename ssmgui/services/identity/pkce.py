"""PKCE (RFC 7636) and the OAuth `state` for the browser sign-in.

The verifier is 64 random URL-safe characters (43–128 allowed); the challenge is its S256
form, base64url of its SHA-256 without padding. Both stay in this process: only the
challenge goes to the browser, and the verifier only to the OIDC token endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pkce:
    verifier: str = field(repr=False)
    challenge: str
    method: str = "S256"


def s256(verifier: str) -> str:
    """The S256 code challenge of `verifier`."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_pkce() -> Pkce:
    verifier = secrets.token_urlsafe(48)  # 64 characters of [A-Za-z0-9_-]
    return Pkce(verifier, s256(verifier))


def new_state() -> str:
    """An unguessable value the redirect must bring back (it ties the answer to our
    request: a page elsewhere cannot make us take its code)."""
    return secrets.token_urlsafe(24)
