"""The one module that touches the OS keyring.

Values are stored in parts so each keyring entry fits Windows Credential Manager's
2,560-byte blob (UTF-16, so about 1,280 characters; jaraco/keyring#355, #540): the parts are
written under a fresh generation, then a small header naming the generation and part count,
then the previous generation's parts are removed. A header whose parts are missing or whose
length does not match reads as absent, so a reader never sees half a value.

When no usable keyring exists (keyring's `fail` backend, or a plaintext file backend from
keyrings.alt) values live in memory only and `location` says so: secrets are never written to
disk in plaintext. Nothing here logs or raises a value.

Every keyring call goes through a `KeyringGate` (keyring_gate.py): one at a time, on a daemon
thread, each waited for at most a time limit; the first refusal or time-out means memory only
for the rest of the run, said once to `when_unavailable` listeners. What this run has read or
written is remembered, so a refusal loses nothing already known. Calls made on the
`never_wait_on` thread (the GUI's) never wait: they answer from what the run knows and leave
the keyring work to the gate's thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets as token_source
import threading
from collections.abc import Callable
from dataclasses import dataclass

import keyring
import keyring.backend
import keyring.errors

from ssmgui.core.errors import KeyringUnavailableError
from ssmgui.services.identity.keyring_gate import KeyringGate

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
    Never raises for the keyring: a refusal, a lock or a time-out turns the store into memory
    only for this run (see the module doc), and `location` says so.
    """

    def __init__(
        self,
        backend: keyring.backend.KeyringBackend | None,
        service: str = SERVICE_NAME,
        part_chars: int = PART_CHARS,
        *,
        gate: KeyringGate | None = None,
        never_wait_on: threading.Thread | None = None,
    ) -> None:
        self._backend = backend
        self._service = service
        self._part_chars = part_chars
        self._gate = gate or KeyringGate()
        self._never_wait_on = never_wait_on
        self._known: dict[str, str] = {}  # read or written this run
        self._guard = threading.Lock()
        self._reading: set[str] = set()  # background reads queued for the no-wait thread

    @classmethod
    def from_system(
        cls, service: str = SERVICE_NAME, *, never_wait_on: threading.Thread | None = None
    ) -> SecretStore:
        """The store over the OS keyring keyring finds, or memory-only if none is usable."""
        return cls(usable_backend(keyring.get_keyring()), service, never_wait_on=never_wait_on)

    @property
    def persistent(self) -> bool:
        """True while values survive this process (an OS keyring is in use)."""
        return self._backend is not None and self._gate.is_open

    @property
    def location(self) -> str:
        """Where values are kept, in words for a person."""
        if self._backend is None:
            return "memory only (no OS keyring available; nothing is written to disk)"
        if not self._gate.is_open:
            return "memory only for this run (the OS keyring refused or did not answer)"
        return f"OS keyring ({self._backend.name}, service '{self._service}')"

    def when_unavailable(self, listener: Callable[[str], None]) -> None:
        """`listener(message)` once, when the keyring first refuses or does not answer."""
        self._gate.when_closed(listener)

    def close(self) -> None:
        """Quitting: no more keyring calls, and nobody waits for one still pending."""
        self._gate.close()

    def read(self, name: str) -> str | None:
        """The value stored under `name`, or None when absent or incomplete."""
        if not self.persistent:
            return self._known.get(name)
        if self._must_not_wait():
            self._read_later(name)
            return self._known.get(name)
        try:
            value: str | None = self._gate.run(lambda: self._read_parts(name))
        except KeyringUnavailableError:
            return self._known.get(name)
        self._remember(name, value)
        return value

    def write(self, name: str, value: str) -> None:
        """Store `value` under `name`, replacing any previous value only once complete."""
        self._remember(name, value)
        self._in_keyring(lambda: self._write_parts(name, value))

    def delete(self, name: str) -> bool:
        """Remove `name` and its parts; True if something was there."""
        with self._guard:
            had = self._known.pop(name, None) is not None
        removed = self._in_keyring(lambda: self._delete_parts_of(name))
        return bool(removed) or had

    def _must_not_wait(self) -> bool:
        return threading.current_thread() is self._never_wait_on

    def _remember(self, name: str, value: str | None) -> None:
        with self._guard:
            if value is None:
                self._known.pop(name, None)
            else:
                self._known[name] = value

    def _read_later(self, name: str) -> None:
        """One background read of `name` at a time, so a later call knows its value."""
        with self._guard:
            if name in self._reading:
                return
            self._reading.add(name)

        def read_now() -> None:
            try:
                self._remember(name, self._read_parts(name))
            finally:
                with self._guard:
                    self._reading.discard(name)

        self._gate.submit(read_now)

    def _in_keyring(self, change: Callable[[], object]) -> object:
        """Make `change` in the keyring: waited for, or queued on the no-wait thread."""
        if not self.persistent:
            return None
        if self._must_not_wait():
            self._gate.submit(change)
            return None
        with contextlib.suppress(KeyringUnavailableError):
            return self._gate.run(change)
        return None

    def _read_parts(self, name: str) -> str | None:
        header = _Header.decode(self._get(name) or "")
        if header is None:
            return None
        parts = [self._get(self._part_name(name, header, i)) for i in range(header.parts)]
        if any(part is None for part in parts):
            return None
        value = "".join(part or "" for part in parts)
        return value if len(value) == header.length else None

    def _write_parts(self, name: str, value: str) -> None:
        old = _Header.decode(self._get(name) or "")
        pieces = split_into_parts(value, self._part_chars)
        header = _Header(token_source.token_hex(4), len(pieces), len(value))
        for index, piece in enumerate(pieces):
            self._set(self._part_name(name, header, index), piece)
        self._set(name, header.encode())
        if old is not None and old.generation != header.generation:
            self._delete_parts(name, old)

    def _delete_parts_of(self, name: str) -> bool:
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

    # The three keyring calls, made only on the gate's thread: a KeyringError they let out
    # closes the gate (keyring_gate.py says why only its type is ever logged).

    def _get(self, username: str) -> str | None:
        assert self._backend is not None
        value: str | None = self._backend.get_password(self._service, username)
        return value

    def _set(self, username: str, value: str) -> None:
        assert self._backend is not None
        self._backend.set_password(self._service, username, value)

    def _delete(self, username: str) -> None:
        assert self._backend is not None
        with contextlib.suppress(keyring.errors.PasswordDeleteError):  # gone: idempotent
            self._backend.delete_password(self._service, username)
