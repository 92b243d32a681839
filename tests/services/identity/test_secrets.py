"""SecretStore over a keyring that enforces Windows Credential Manager's 2,560-byte limit."""

from __future__ import annotations

import keyring.backend
import keyring.errors
import pytest

from ssmgui.services.identity.secrets import SERVICE_NAME, SecretStore, usable_backend
from tests.services.identity.conftest import MemoryKeyring

BIG = "".join(chr(ord("A") + i % 26) for i in range(5000))  # > 4096: a large session token


def test_the_limit_is_real_without_splitting() -> None:
    backend = MemoryKeyring()
    with pytest.raises(keyring.errors.PasswordSetError):
        backend.set_password(SERVICE_NAME, "raw", BIG)


def test_big_value_round_trips_in_parts_under_the_limit() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.write("mfa-session:alice", BIG)
    assert store.read("mfa-session:alice") == BIG
    assert len(backend.entries) == 1 + 5  # header + five 1,000-character parts
    assert all(len(v.encode("utf-16-le")) <= 2560 for v in backend.entries.values())


def test_overwrite_removes_the_old_parts() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.write("k", BIG)
    store.write("k", "short")
    assert store.read("k") == "short"
    assert len(backend.entries) == 2


def test_incomplete_set_reads_as_absent() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.write("k", BIG)
    part = next(key for key in backend.entries if key[1].endswith("#3"))
    del backend.entries[part]
    assert store.read("k") is None


def test_delete_removes_everything_and_is_idempotent() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.write("k", BIG)
    assert store.delete("k") is True
    assert backend.entries == {}
    assert store.delete("k") is False


def test_locked_keyring_means_memory_only_without_the_value() -> None:
    backend = MemoryKeyring()
    backend.locked = True
    store = SecretStore(backend)
    told: list[str] = []
    store.when_unavailable(told.append)
    store.write("k", "value-that-must-not-leak")
    assert store.read("k") == "value-that-must-not-leak"  # kept for this run
    assert not store.persistent and "memory only" in store.location
    assert len(told) == 1 and "is locked" in told[0]
    assert "value-that-must-not-leak" not in told[0]


def test_memory_only_store_says_so() -> None:
    store = SecretStore(None)
    store.write("k", BIG)
    assert store.read("k") == BIG
    assert not store.persistent and "memory only" in store.location


class PlaintextFileKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("must never be used")

    def delete_password(self, service: str, username: str) -> None:
        return None


PlaintextFileKeyring.__module__ = "keyrings.alt.file"


def test_plaintext_and_fail_backends_are_refused() -> None:
    from keyring.backends import fail

    plaintext = PlaintextFileKeyring()  # type: ignore[no-untyped-call]  # keyring untyped
    assert usable_backend(plaintext) is None
    assert usable_backend(fail.Keyring()) is None  # type: ignore[no-untyped-call]
    assert usable_backend(MemoryKeyring()) is not None
