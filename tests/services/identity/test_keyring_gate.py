"""The keyring is asked once per run: a refusal or an unanswered prompt means memory only.

Issue 17: with no keyring created yet, gnome-keyring's "Choose password for new keyring"
prompt came back 13 times in two minutes, the window froze while each was up, and a quit
waited 58 s for the last one. Here the keyring is a backend whose every call counts as a
prompt; a real gnome-keyring does the same in tests/app/test_keyring_prompt.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import keyring.backend
import pytest

from ssmgui.services.identity.keyring_gate import KeyringGate
from ssmgui.services.identity.secrets import SecretStore
from tests.services.identity.conftest import MemoryKeyring


class UnansweredPromptKeyring(keyring.backend.KeyringBackend):
    """Every call puts up a prompt nobody answers: it waits until `release`."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring is untyped here
        self.prompts = 0
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.prompts += 1
        self.release.wait(30)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.get_password(service, username)

    def delete_password(self, service: str, username: str) -> None:
        self.get_password(service, username)


@pytest.fixture
def unanswered() -> Iterator[UnansweredPromptKeyring]:
    backend = UnansweredPromptKeyring()
    yield backend
    backend.release.set()


def test_an_unanswered_prompt_is_asked_once_then_memory_only(
    unanswered: UnansweredPromptKeyring,
) -> None:
    told: list[str] = []
    store = SecretStore(unanswered, gate=KeyringGate(limit_s=0.3))
    store.when_unavailable(told.append)
    store.write("mfa-session:a", "session-a")  # waits 0.3 s, then memory only
    assert store.read("mfa-session:b") is None
    for _ in range(5):
        assert store.read("mfa-session:a") == "session-a"
        store.write("mfa-session:b", "session-b")
    assert store.delete("mfa-session:b") is True
    assert unanswered.prompts == 1
    assert len(told) == 1 and "did not answer" in told[0] and "memory" in told[0]
    assert not store.persistent and "memory only" in store.location


def test_waiters_queued_behind_the_prompt_are_released_with_it(
    unanswered: UnansweredPromptKeyring,
) -> None:
    store = SecretStore(unanswered, gate=KeyringGate(limit_s=0.5))
    answers: list[str | None] = []
    readers = [
        threading.Thread(target=lambda n=f"k{i}": answers.append(store.read(n))) for i in range(4)
    ]
    started = time.monotonic()
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(5)
    assert answers == [None] * 4
    assert time.monotonic() - started < 2.0  # one limit for all, not one each
    assert unanswered.prompts == 1


def test_the_gui_thread_never_waits_for_the_keyring(unanswered: UnansweredPromptKeyring) -> None:
    gui = threading.current_thread()
    store = SecretStore(unanswered, gate=KeyringGate(limit_s=30), never_wait_on=gui)
    started = time.monotonic()
    for _ in range(20):
        assert store.read("mfa-session:a") is None
    store.write("mfa-session:a", "kept")
    assert store.read("mfa-session:a") == "kept"
    assert store.delete("mfa-session:a") is True
    assert time.monotonic() - started < 0.2
    time.sleep(0.1)
    assert unanswered.prompts == 1  # the queued calls wait behind the one prompt


def test_quit_releases_a_worker_waiting_on_the_prompt(
    unanswered: UnansweredPromptKeyring,
) -> None:
    told: list[str] = []
    store = SecretStore(unanswered, gate=KeyringGate(limit_s=30))
    store.when_unavailable(told.append)
    answers: list[str | None] = []
    worker = threading.Thread(target=lambda: answers.append(store.read("k")))
    worker.start()
    time.sleep(0.2)
    started = time.monotonic()
    store.close()
    worker.join(5)
    assert not worker.is_alive() and answers == [None]
    assert time.monotonic() - started < 1.0
    assert told == []  # quitting is not a refusal to tell anyone about


def test_a_locked_keyring_refuses_once_and_the_run_goes_on_in_memory() -> None:
    backend = MemoryKeyring()
    backend.locked = True
    attempts = 0
    real_get = backend.get_password

    def counted(service: str, username: str) -> str | None:
        nonlocal attempts
        attempts += 1
        return real_get(service, username)

    backend.get_password = counted  # type: ignore[method-assign]
    told: list[str] = []
    store = SecretStore(backend)
    store.when_unavailable(told.append)
    store.write("k", "value-that-must-not-leak")
    store.write("j", "another")
    assert store.read("k") == "value-that-must-not-leak"
    assert attempts == 1
    assert len(told) == 1 and "is locked" in told[0]
    assert "value-that-must-not-leak" not in told[0]
    late: list[str] = []
    store.when_unavailable(late.append)  # a listener after the fact hears it at once
    assert late == told


def test_a_working_keyring_keeps_being_used() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.write("k", "v")
    assert SecretStore(backend).read("k") == "v"
    assert store.persistent and "OS keyring" in store.location


def test_a_gui_thread_miss_is_read_in_the_background_for_next_time() -> None:
    backend = MemoryKeyring()
    SecretStore(backend).write("mfa-session:a", "stored earlier")
    gui = threading.current_thread()
    store = SecretStore(backend, never_wait_on=gui)
    assert store.read("mfa-session:a") is None  # not known yet: never waits to find out
    deadline = time.monotonic() + 5
    while store.read("mfa-session:a") is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert store.read("mfa-session:a") == "stored earlier"
