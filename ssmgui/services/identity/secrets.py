"""The one module that touches the OS keyring.

Values are stored in parts so each keyring entry fits Windows Credential Manager's
2,560-byte blob (UTF-16, so about 1,280 characters; jaraco/keyring#355, #540): the parts are
written under a fresh generation, then a small header naming the generation and part count,
then the previous generation's parts are removed. A header whose parts are missing or whose
length does not match reads as absent, so a reader never sees half a value.

When no usable keyring exists (keyring's `fail` backend, or a plaintext file backend from
keyrings.alt) values live in memory only and `location` says so: secrets are never written to
disk in plaintext. Nothing here logs or raises a value.
"""

from __future__ import annotations

import json
import logging
import secrets as token_source
from dataclasses import dataclass

import keyring
import keyring.backend
import keyring.errors

from ssmgui.core.errors import KeyringUnavailableError

log = logging.getLogger(__name__)

SERVICE_NAME = "ssmgui"
#: Characters per part: 1,000 UTF-16 characters is 2,000 bytes, under the 2,560-byte limit
#: even when a character needs a surrogate pair at a part boundary (our values are ASCII).
PART_CHARS = 1000
_HEADER_PREFIX = "ssmgui-parts:"
_PLAINTEXT_BACKEND_MODULES = ("keyrings.alt",)


@dataclass(frozen=True)
class _Header:
    generation: str
    parts: int
    length: int

    def encode(self) -> str:
        body = {"g": self.generation, "n": self.parts, "len": self.length}
        return _HEADER_PREFIX + json.dumps(body, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> _Header | None:
        if not text.startswith(_HEADER_PREFIX):
            return None
        try:
            body = json.loads(text[len(_HEADER_PREFIX) :])
            return cls(str(body["g"]), int(body["n"]), int(body["len"]))
        except (ValueError, KeyError, TypeError):
            return None


def split_into_parts(value: str, part_chars: int = PART_CHARS) -> list[str]:
    """`value` cut into pieces of at most `part_chars` characters (at least one piece)."""
    return [value[i : i + part_chars] for i in range(0, len(value), part_chars)] or [""]


def usable_backend(
    backend: keyring.backend.KeyringBackend,
) -> keyring.backend.KeyringBackend | None:
    """`backend` unless it is keyring's fail backend or one that writes plaintext files."""
    module = type(backend).__module__
    if module.startswith(_PLAINTEXT_BACKEND_MODULES) or module == "keyring.backends.fail":
        return None
    if getattr(backend, "priority", 1) <= 0:
        return None
    return backend


class SecretStore:
    """Named secrets for ssmgui: the OS keyring when there is one, else this process only.

    `backend=None` means "no keyring": memory only. `from_system()` picks the OS keyring.
    Raises `KeyringUnavailableError` when a present keyring refuses (e.g. it is locked).
    """

    def __init__(
        self,
        backend: keyring.backend.KeyringBackend | None,
        service: str = SERVICE_NAME,
        part_chars: int = PART_CHARS,
    ) -> None:
        self._backend = backend
        self._service = service
        self._part_chars = part_chars
        self._memory: dict[str, str] = {}

    @classmethod
    def from_system(cls, service: str = SERVICE_NAME) -> SecretStore:
        """The store over the OS keyring keyring finds, or memory-only if none is usable."""
        return cls(usable_backend(keyring.get_keyring()), service)

    @property
    def persistent(self) -> bool:
        """True when values survive this process (an OS keyring is in use)."""
        return self._backend is not None

    @property
    def location(self) -> str:
        """Where values are kept, in words for a person."""
        if self._backend is None:
            return "memory only (no OS keyring available; nothing is written to disk)"
        return f"OS keyring ({self._backend.name}, service '{self._service}')"

    def read(self, name: str) -> str | None:
        """The value stored under `name`, or None when absent or incomplete."""
        if self._backend is None:
            return self._memory.get(name)
        header = _Header.decode(self._get(name) or "")
        if header is None:
            return None
        parts = [self._get(self._part_name(name, header, i)) for i in range(header.parts)]
        if any(part is None for part in parts):
            return None
        value = "".join(part or "" for part in parts)
        return value if len(value) == header.length else None

    def write(self, name: str, value: str) -> None:
        """Store `value` under `name`, replacing any previous value only once complete."""
        if self._backend is None:
            self._memory[name] = value
            return
        old = _Header.decode(self._get(name) or "")
        pieces = split_into_parts(value, self._part_chars)
        header = _Header(token_source.token_hex(4), len(pieces), len(value))
        for index, piece in enumerate(pieces):
            self._set(self._part_name(name, header, index), piece)
        self._set(name, header.encode())
        if old is not None and old.generation != header.generation:
            self._delete_parts(name, old)

    def delete(self, name: str) -> bool:
        """Remove `name` and its parts; True if something was there."""
        if self._backend is None:
            return self._memory.pop(name, None) is not None
        header = _Header.decode(self._get(name) or "")
        if header is None:
            return False
        self._delete_parts(name, header)
        self._delete(name)
        return True

    def _part_name(self, name: str, header: _Header, index: int) -> str:
        return f"{name}#{header.generation}#{index}"

    def _delete_parts(self, name: str, header: _Header) -> None:
        for index in range(header.parts):
            self._delete(self._part_name(name, header, index))

    def _get(self, username: str) -> str | None:
        assert self._backend is not None
        try:
            value: str | None = self._backend.get_password(self._service, username)
        except keyring.errors.KeyringError as exc:
            raise _unavailable("read from", exc) from None
        return value

    def _set(self, username: str, value: str) -> None:
        assert self._backend is not None
        try:
            self._backend.set_password(self._service, username, value)
        except keyring.errors.KeyringError as exc:
            raise _unavailable("save to", exc) from None

    def _delete(self, username: str) -> None:
        assert self._backend is not None
        try:
            self._backend.delete_password(self._service, username)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone: deleting is idempotent
        except keyring.errors.KeyringError as exc:
            raise _unavailable("delete from", exc) from None


def _unavailable(action: str, exc: keyring.errors.KeyringError) -> KeyringUnavailableError:
    # Only the exception type travels: keyring messages can echo what was being stored.
    log.warning("keyring refused to %s: %s", action, type(exc).__name__)
    locked = isinstance(exc, keyring.errors.KeyringLocked)
    reason = "is locked" if locked else f"failed ({type(exc).__name__})"
    return KeyringUnavailableError(
        f"Could not {action} the OS keyring: it {reason}. Unlock your keyring (log in to the "
        "desktop session or open your keychain app) and try again; until then credentials "
        "are kept in memory only."
    )
