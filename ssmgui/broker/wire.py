"""Where the warm helper listens, and the messages it and the proxy exchange.

One helper per user and per environment that decides AWS behaviour: the socket's name is an
HMAC, under a random key kept in the private folder, of every variable botocore, the keyring
or the proxy settings read. A proxy started with another AWS_PROFILE, proxy or CA bundle thus
never reaches a helper that resolves for different ones, and the name tells nothing of their
values (some are secret keys).

Messages are JSON objects, one per line. The proxy sends {"argv": [...]} with its stdin and
stdout attached (SCM_RIGHTS). The helper answers {"accepted": true} once the session's
credentials are ready, or {"fallback": why} — the proxy then runs the command itself, as
nothing has read its stdin — and at the end {"rc": n, "message": text}.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import stat
import sys
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ssmgui import __version__

#: Off switch, for people and for tests that must not leave a helper running.
SWITCH = "SSMGUI_BROKER"
RELEVANT_PREFIXES = ("AWS_", "SSMGUI_", "XDG_")
RELEVANT_NAMES = frozenset(
    name
    for base in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")
    for name in (base, base.lower())
) | frozenset(
    {
        "HOME", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
        "PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "PYTHONPATH",
    }
)  # fmt: skip
KEY_FILE = "broker.key"
MAX_MESSAGE_BYTES = 64 * 1024
PRIVATE_MODE = 0o700


def enabled(environ: Mapping[str, str]) -> bool:
    """Whether this platform and environment may use the helper: POSIX with SCM_RIGHTS
    (Windows runs every proxy in its own process) and not switched off."""
    return (
        os.name == "posix"
        and hasattr(socket, "send_fds")
        and environ.get(SWITCH, "").lower() not in ("off", "0", "no")
    )


def runtime_directory(environ: Mapping[str, str]) -> Path | None:
    """The user's private folder for the socket (0700, theirs), or None when there is none
    that can be trusted: a folder anyone else can enter is never used."""
    base = environ.get("XDG_RUNTIME_DIR")
    folder = Path(base) / "ssmgui" if base else Path.home() / ".cache" / "ssmgui" / "run"
    try:
        folder.mkdir(mode=PRIVATE_MODE, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        return None
    return folder


def socket_path(environ: Mapping[str, str]) -> Path | None:
    """The socket of the helper for this environment, or None (no private folder)."""
    folder = runtime_directory(environ)
    if folder is None:
        return None
    try:
        key = _key(folder)
    except OSError:
        return None
    digest = hmac.new(key, _fingerprint(environ), hashlib.sha256).hexdigest()[:20]
    return folder / f"broker-{digest}.sock"


def _fingerprint(environ: Mapping[str, str]) -> bytes:
    relevant = sorted(
        (name, value)
        for name, value in environ.items()
        if name in RELEVANT_NAMES or name.startswith(RELEVANT_PREFIXES)
    )
    running = [sys.executable, __version__, str(Path(__file__).resolve().parent)]
    return json.dumps([running, relevant]).encode()


def _key(folder: Path) -> bytes:
    """The folder's random HMAC key, made once (0600; a concurrent maker's key wins)."""
    path = folder / KEY_FILE
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(handle, "wb") as stream:
        stream.write(secrets.token_bytes(32))
    return path.read_bytes()


def encode(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message).encode() + b"\n"


def send(sock: socket.socket, message: Mapping[str, Any], fds: Sequence[int] = ()) -> None:
    """One message, with `fds` attached to its first byte (all of it in one sendmsg)."""
    data = encode(message)
    sent = socket.send_fds(sock, [data], list(fds)) if fds else sock.send(data)
    if sent < len(data):
        sock.sendall(data[sent:])


class Lines:
    """Splits what a socket delivers into messages, kept in order until taken (one recv may
    bring two: "accepted" and, for a short session, its "rc"); keeps the file descriptors
    that came along."""

    def __init__(self) -> None:
        self._buffer = b""
        self._messages: deque[dict[str, Any]] = deque()
        self.fds: list[int] = []

    def feed(self, data: bytes, fds: Iterable[int] = ()) -> None:
        """Raises ValueError for a message that is not a JSON object or is longer than
        MAX_MESSAGE_BYTES."""
        self.fds.extend(fds)
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        if len(self._buffer) > MAX_MESSAGE_BYTES:
            raise ValueError("message too long")
        for line in lines:
            if line.strip():
                message = json.loads(line)
                if not isinstance(message, dict):
                    raise ValueError("not a JSON object")
                self._messages.append(message)

    def take(self) -> dict[str, Any] | None:
        """The oldest message not taken yet; None when there is none."""
        return self._messages.popleft() if self._messages else None
