"""Ending the sessions a dead ssmgui process left open (its record: session_record.py).

Every command that opens tunnels (the GUI, `forward`, `ssh-proxy`, `connect`) starts
`end_leftover_sessions` beside its own work. For each record whose owner process is gone it
calls TerminateSession for every session, with that profile's credentials from the identity
service, and forgets the session once the service has answered (ended, or unknown to it).
A profile whose credentials would need the person (an MFA code, an SSO sign-in) is not
asked: its sessions stay recorded for a later run, and the log says so. So do sessions
whose TerminateSession failed. A session older than the service's longest session
(24 hours) is forgotten without a call: the service has ended it.

It must never hold up or fail the start: it runs on a thread of its own with short
timeouts, is awaited for at most `time_limit_s`, and logs its failures instead of raising.

Several processes may start at once (an `ssh-proxy` per SSH connection): a record is
claimed by renaming it to `<record>.claimed-by-<claimer's owner tag>`, which only one of
them can do; a claim whose claimer died is claimed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ssmgui.services.process_identity import owner_tag, tagged_owner_runs, this_process
from ssmgui.services.tunnels.record_file import RecordFile
from ssmgui.services.tunnels.session_record import (
    RECORD_SUFFIX,
    RecordedSession,
    sessions_dir,
)

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ssm import SSMClient

log = logging.getLogger(__name__)

#: Session Manager ends every session within its maximum duration (at most 24 hours).
LONGEST_SESSION_S = 24 * 3600.0
TIME_LIMIT_S = 10.0
CLAIM_MARK = ".claimed-by-"
# One quick attempt per session: what fails now is tried again at a later start.
_QUICK = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 1, "mode": "standard"})
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class QuietCredentials(Protocol):
    """What the sweep needs of the identity service (`IdentityService` is one)."""

    def needs_login(self, name: str, /) -> bool:
        """True when using the profile now would need an MFA code or an SSO sign-in."""

    def session_for(self, name: str, /) -> boto3.Session: ...


@dataclass
class SweepReport:
    """Session ids, by what became of them."""

    ended: list[str] = field(default_factory=list)  # the service has no such session now
    kept: list[str] = field(default_factory=list)  # still recorded, for a later run
    dropped: list[str] = field(default_factory=list)  # forgotten without a call


async def end_leftover_sessions(
    credentials: QuietCredentials,
    directory: Path | None = None,
    *,
    time_limit_s: float = TIME_LIMIT_S,
) -> SweepReport | None:
    """End what dead processes left (see the module doc); None when `time_limit_s` ran out
    first (the sweep then finishes on its own, or leaves its claim for a later run).

    Never raises but CancelledError. Runs on a daemon thread rather than the loop's
    executor: `asyncio.run` waits for its executor's threads at exit, and a command must not
    wait for a slow TerminateSession to end.
    """
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[SweepReport | None] = loop.create_future()

    def sweep() -> None:
        report: SweepReport | None = None
        try:
            report = end_leftovers_now(
                credentials, directory or sessions_dir(), time_limit_s=time_limit_s
            )
        except Exception:  # never fail the start; the reason goes to the log
            log.exception("ending sessions left by an earlier run failed")
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, outcome, report)

    threading.Thread(target=sweep, name="ssmgui-leftover-sessions", daemon=True).start()
    try:
        async with asyncio.timeout(time_limit_s):
            return await outcome
    except TimeoutError:
        log.warning("ending sessions left by an earlier run took over %.0f s", time_limit_s)
        return None


_SWEEPS: set[asyncio.Task[SweepReport | None]] = set()  # the loop holds tasks weakly


def sweep_meanwhile(credentials: QuietCredentials) -> Callable[[], Awaitable[None]]:
    """Start `end_leftover_sessions` beside the caller's own start, never holding it up;
    returns what stops waiting for it (on quit). A caller may drop that: the sweep is
    time-limited, and what it did not reach waits for a later start."""
    sweep = asyncio.get_running_loop().create_task(end_leftover_sessions(credentials))
    _SWEEPS.add(sweep)
    sweep.add_done_callback(_SWEEPS.discard)

    async def stop_waiting() -> None:
        sweep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweep

    return stop_waiting


def _settle(outcome: asyncio.Future[SweepReport | None], report: SweepReport | None) -> None:
    if not outcome.done():
        outcome.set_result(report)


def end_leftovers_now(
    credentials: QuietCredentials,
    directory: Path,
    *,
    time_limit_s: float = TIME_LIMIT_S,
    clock: Callable[[], float] = time.time,
) -> SweepReport:
    """The sweep itself, blocking: every record of a dead owner under `directory`."""
    sweep = _Sweep(credentials, time.monotonic() + time_limit_s, clock)
    for claim in _claims(directory):
        sweep.settle(claim)
    report = sweep.report
    if report.ended or report.kept:
        log.info(
            "sessions left by earlier runs: %d ended, %d kept for a later run",
            len(report.ended),
            len(report.kept),
        )
    return report


@dataclass(frozen=True)
class _Claim:
    """A dead owner's record, renamed to `path` while this process settles it."""

    path: Path
    record: Path  # the record's own name, where what stays is written back


def _claims(directory: Path) -> Iterator[_Claim]:
    """Claim each record (or abandoned claim) of a dead owner, one at a time."""
    mine = owner_tag(this_process())
    try:
        names = sorted(path.name for path in directory.iterdir())
    except OSError:
        return  # no record yet
    for name in names:
        record_tag, suffix, claimer = name.partition(RECORD_SUFFIX + CLAIM_MARK)
        if not suffix:
            record_tag, suffix, rest = name.partition(RECORD_SUFFIX)
            if rest or not suffix:
                continue  # a temporary file of a write in progress, or not ours
        holder = claimer or record_tag
        if tagged_owner_runs(holder) is not False:
            continue  # a running process's (perhaps ours), or not a record
        claimed = directory / f"{record_tag}{RECORD_SUFFIX}{CLAIM_MARK}{mine}"
        try:
            os.rename(directory / name, claimed)
        except FileNotFoundError:
            continue  # another process claimed it first
        except OSError as exc:
            log.warning("cannot claim the session record %s: %s", name, exc)
            continue
        yield _Claim(claimed, directory / f"{record_tag}{RECORD_SUFFIX}")


class _Sweep:
    def __init__(
        self, credentials: QuietCredentials, deadline: float, clock: Callable[[], float]
    ) -> None:
        self._credentials = credentials
        self._deadline = deadline
        self._clock = clock
        self._sessions: dict[str, boto3.Session | None] = {}
        self.report = SweepReport()

    def settle(self, claim: _Claim) -> None:
        """End what the claimed record holds; write back what stays; release the claim."""
        entries = RecordFile(claim.path).read()
        staying = [entry for entry in entries if not self._over(entry)]
        try:
            if staying:
                RecordFile(claim.record).write(staying)
            claim.path.unlink()
        except OSError as exc:
            log.warning("cannot update the session record %s: %s", claim.record, exc)

    def _over(self, entry: dict[str, Any]) -> bool:
        """True when the session needs no more care: ended now, or not worth a call."""
        session = RecordedSession.from_json(entry)
        if session is None:
            log.warning("forgetting a damaged session record entry")
            return True
        if self._clock() - session.started > LONGEST_SESSION_S:
            self.report.dropped.append(session.session_id)
            return True
        if not _trusted_endpoint(session.endpoint_url):
            log.warning("forgetting session %s: its endpoint is not trusted", session.session_id)
            self.report.dropped.append(session.session_id)
            return True
        client = self._client(session) if time.monotonic() < self._deadline else None
        if client is None or not _terminate(client, session.session_id):
            self.report.kept.append(session.session_id)
            return False
        self.report.ended.append(session.session_id)
        return True

    def _client(self, session: RecordedSession) -> SSMClient | None:
        """An SSM client with `session.profile`'s credentials, if they need nobody."""
        if session.profile not in self._sessions:
            self._sessions[session.profile] = self._quiet_session(session.profile)
        boto_session = self._sessions[session.profile]
        if boto_session is None:
            return None
        try:
            return boto_session.client(
                "ssm",
                region_name=session.region,
                endpoint_url=session.endpoint_url or None,
                config=_QUICK,
            )
        except (BotoCoreError, ValueError) as exc:
            log.warning("no client for leftover session %s: %s", session.session_id, exc)
            return None

    def _quiet_session(self, profile: str) -> boto3.Session | None:
        try:
            if self._credentials.needs_login(profile):
                log.info(
                    "sessions of profile '%s' left by an earlier run are kept: ending them "
                    "needs a sign-in; a later start ends them",
                    profile,
                )
                return None
            return self._credentials.session_for(profile)
        except Exception as exc:  # files, keyring, SSO cache, STS: one profile must not stop all
            log.warning(
                "cannot end the sessions of profile '%s' left by an earlier run (%s)",
                profile,
                type(exc).__name__,
            )
            return None


def _terminate(client: SSMClient, session_id: str) -> bool:
    """TerminateSession; True when the service no longer has the session."""
    try:
        client.terminate_session(SessionId=session_id)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code == "DoesNotExistException":
            return True
        log.warning("TerminateSession of leftover session %s refused: %s", session_id, code)
        return False
    except BotoCoreError as exc:  # botocore's text can hold request parameters: its name only
        log.warning(
            "TerminateSession of leftover session %s failed: %s", session_id, type(exc).__name__
        )
        return False
    log.info("ended session %s, left open by an earlier run", session_id)
    return True


def _trusted_endpoint(url: str) -> bool:
    """Signed requests go to HTTPS endpoints, or to loopback (a fake AWS in tests)."""
    if not url:
        return True
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
