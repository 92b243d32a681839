"""Every OS keyring call goes through one gate: asked once, never waited on forever.

A keyring can stall its caller: gnome-keyring with no keyring yet answers a read with a
"Choose password for new keyring" prompt and the D-Bus call waits until someone answers it;
a locked keyring asks to be unlocked. Called again after a refusal, it prompts again (issue 17
saw 13 prompts in two minutes, a frozen window, and a quit that waited 58 s for the last one).

So calls run one at a time on a daemon thread, each waited for at most `limit_s` seconds. The
first refusal (any `KeyringError` a call lets out) or the first call left unanswered that
long closes the gate for this run: no further call is made, and the listeners hear why,
once, in words for a person. `close()` on quit releases every waiter at once; the thread is a
daemon, so a call stuck on a prompt never keeps the process alive.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keyring.errors

from ssmgui.core.errors import KeyringUnavailableError

log = logging.getLogger(__name__)

#: Long enough for a person to choose a new keyring's password or type its unlock password;
#: a worker thread waits this long at most, the GUI thread never (see `SecretStore`).
CALL_LIMIT_S = 60.0

Listener = Callable[[str], None]


@dataclass(eq=False)  # kept in a set by identity
class _Job:
    call: Callable[[], Any]
    done: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    result: Any = None


class KeyringGate:
    """Runs keyring calls as the module doc says. Thread-safe."""

    def __init__(self, limit_s: float = CALL_LIMIT_S) -> None:
        self._limit_s = limit_s
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._pending: set[_Job] = set()
        self._guard = threading.Lock()
        self._closed = threading.Event()
        self._reason = ""
        self._listeners: list[Listener] = []
        self._thread: threading.Thread | None = None

    @property
    def is_open(self) -> bool:
        return not self._closed.is_set()

    @property
    def reason(self) -> str:
        """Why the gate closed, in words for a person ("" while open)."""
        return self._reason

    def when_closed(self, listener: Listener) -> None:
        """Call `listener(reason)` once when a refusal or a time-out closes the gate (at once
        if it already has). It runs on whichever thread saw the refusal: marshal it."""
        with self._guard:
            if not self._closed.is_set():
                self._listeners.append(listener)
                return
            reason = self._reason
        if reason:
            listener(reason)

    def run(self, call: Callable[[], Any]) -> Any:
        """`call()`'s result, made on the gate's thread. Raises `KeyringUnavailableError`
        when the gate is or becomes closed, the call refuses, or no answer comes in time."""
        job = self._enqueue(call)
        if not job.done.wait(self._limit_s):
            self._shut(f"did not answer within {self._limit_s:g} s (a keyring prompt unanswered?)")
        if not job.finished:
            raise KeyringUnavailableError(self._reason or "The OS keyring is not in use.")
        return job.result

    def submit(self, call: Callable[[], Any]) -> None:
        """Make `call()` later on the gate's thread, waiting for nothing (its result is
        dropped; a refusal closes the gate as in `run`). Nothing happens once closed."""
        if self.is_open:
            self._enqueue(call)

    def close(self) -> None:
        """Quitting: no further calls, every waiter released now, no listener told."""
        self._shut("")

    def _enqueue(self, call: Callable[[], Any]) -> _Job:
        job = _Job(call)
        with self._guard:
            if self._closed.is_set():
                job.done.set()
                return job
            self._pending.add(job)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="ssmgui-keyring", daemon=True
                )
                self._thread.start()
        self._jobs.put(job)
        return job

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            if self._closed.is_set():
                job.done.set()
                continue
            try:
                job.result = job.call()
                job.finished = True
            except keyring.errors.KeyringError as exc:
                self._shut(_refusal(exc))
            except Exception as exc:  # a backend's own failure (D-Bus, OS): the same refusal
                log.warning("keyring call failed: %s", type(exc).__name__)
                self._shut(f"failed ({type(exc).__name__})")
            finally:
                with self._guard:
                    self._pending.discard(job)
                job.done.set()

    def _shut(self, reason: str) -> None:
        """Close the gate (first reason wins), tell listeners once, release waiters."""
        with self._guard:
            if self._closed.is_set():
                return
            self._reason = _for_a_person(reason) if reason else ""
            self._closed.set()
            waiting, self._pending = self._pending, set()
            listeners, self._listeners = self._listeners, []
        if reason:  # told before the waiters go on, so they find it said
            log.warning("OS keyring not used for the rest of this run: it %s", reason)
            for listener in listeners:
                try:
                    listener(self._reason)
                except Exception:
                    log.exception("a keyring listener failed")
        for job in waiting:
            job.done.set()


def _refusal(exc: keyring.errors.KeyringError) -> str:
    # Only the exception type travels: keyring messages can echo what was being stored.
    if isinstance(exc, keyring.errors.KeyringLocked):
        return "is locked (its unlock prompt was dismissed)"
    if isinstance(exc, keyring.errors.InitError):  # gnome-keyring: "create" prompt dismissed
        return "could not be opened or created (was its prompt dismissed?)"
    return f"refused ({type(exc).__name__})"


def _for_a_person(reason: str) -> str:
    return (
        f"The OS keyring {reason}, so MFA sessions are kept in memory for this run only "
        "(nothing is written to disk) and you will be asked for a code again after a "
        "restart. ssmgui will not ask the keyring again until then: unlock or create your "
        "keyring, then restart ssmgui to keep sessions."
    )
