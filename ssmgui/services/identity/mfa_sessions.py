"""MFA session tokens: one `sts.get_session_token` per source profile, kept in the keyring.

Every profile that draws on the same source credentials (the profile itself for "keys +
mfa_serial", the `source_profile` for roles) shares one session, so one prompt serves all.
A session is reused across restarts until it expires; one made from keys that have since
been rotated is discarded. If the keyring refuses, the session is kept in memory for this
run and `kept_in()` says so.

One prompt at a time per MFA device, and a Cancel answers for every sign-in on that device
until the person asks for something new (`new_round()`: a refresh, "Sign in", a tunnel):
the other regions and profiles of the same refresh fail at once, saying so, instead of
asking again and again.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ssmgui.core.credentials import (
    IdentitySettings,
    MfaRequest,
    TemporaryCredentials,
    normalise_mfa_code,
)
from ssmgui.core.errors import ConfigurationError, KeyringUnavailableError, MfaError
from ssmgui.core.profile import Profile, ProfileKind
from ssmgui.services.aws import errors as aws_errors
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.secrets import SecretStore

log = logging.getLogger(__name__)

#: Blocking; returns what the person typed, or None if they cancelled.
MfaPrompt = Callable[[MfaRequest], str | None]
Clock = Callable[[], datetime]

MAX_ATTEMPTS = 3
#: A session with less than this left is not worth handing out: a call made with it could fail.
MIN_REMAINING = timedelta(seconds=60)


def session_key(source_profile: str) -> str:
    return f"mfa-session:{source_profile}"


def device_key(source_profile: str) -> str:
    return f"mfa-device:{source_profile}"


class MfaSessions:
    """MFA sessions by source profile. Blocking: call from a worker thread in async code."""

    def __init__(
        self,
        store: SecretStore,
        clients: AwsClients,
        prompt: MfaPrompt,
        clock: Clock,
        settings: IdentitySettings,
    ) -> None:
        self._store = store
        self._clients = clients
        self._prompt = prompt
        self._clock = clock
        self._settings = settings
        self._memory: dict[str, TemporaryCredentials] = {}
        self._memory_only: set[str] = set()
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._ticks = itertools.count()  # orders rounds and cancels (thread-safe: the GIL)
        self._round = next(self._ticks)
        self._cancelled: dict[str, tuple[int, str]] = {}  # device → (tick, for which profile)

    def new_round(self) -> None:
        """The person asked for something new: a device whose prompt they cancelled before
        may be asked again."""
        self._round = next(self._ticks)

    def apply_settings(self, settings: IdentitySettings) -> None:
        self._settings = settings

    def current(self, source: Profile) -> TemporaryCredentials | None:
        """The stored, still-valid session for `source`, without prompting."""
        session = self._memory.get(source.name) or self._load(source.name)
        if session is None or not session.is_valid(self._clock(), MIN_REMAINING):
            return None
        if session.source_key_id and session.source_key_id != source.access_key_id:
            log.info("discarding the MFA session of %s: its keys were rotated", source.name)
            self.forget(source.name)
            return None
        self._memory[source.name] = session
        return session

    def ensure(
        self, source: Profile, serial: str | None, for_profile: str, force: bool = False
    ) -> TemporaryCredentials:
        """A valid session for `source`, prompting for a code only when none is stored."""
        if source.kind not in (ProfileKind.STATIC, ProfileKind.STATIC_MFA):
            raise ConfigurationError(
                f"Profile '{for_profile}' asks for MFA, but its source '{source.name}' has no "
                "IAM user keys (MFA sessions need aws_access_key_id / aws_secret_access_key)."
            )
        with self._lock_for(source.name):
            existing = None if force else self.current(source)
            if existing is not None:
                return existing
            device = serial or self.remembered_device(source.name) or self._discover(source)
            with self._lock_for(f"device:{device}"):
                self._refuse_if_cancelled_in_this_round(device, for_profile)
                session = self._ask_until_accepted(source, device, for_profile)
            self._save(source.name, session)
            return session

    def _refuse_if_cancelled_in_this_round(self, device: str, for_profile: str) -> None:
        cancelled_at, cancelled_for = self._cancelled.get(device, (-1, ""))
        if cancelled_at <= self._round:
            return
        with_whom = "" if cancelled_for == for_profile else (
            f" with the prompt for '{cancelled_for}' (the same MFA device)"
        )  # fmt: skip
        raise MfaError(
            f"MFA sign-in for '{for_profile}' was cancelled{with_whom}. Refresh or sign in "
            "to be asked again."
        )

    def kept_in(self, source_name: str) -> str:
        """Where `source_name`'s session lives, in words for a person."""
        if source_name in self._memory_only:
            return "memory only (the OS keyring refused; nothing is written to disk)"
        return self._store.location

    def remembered_device(self, source_name: str) -> str | None:
        try:
            return self._store.read(device_key(source_name))
        except KeyringUnavailableError:
            return None

    def forget(self, source_name: str) -> bool:
        """Remove the stored session of `source_name` (keyring and memory)."""
        had = self._memory.pop(source_name, None) is not None
        self._memory_only.discard(source_name)
        return self._store.delete(session_key(source_name)) or had

    def _lock_for(self, source_name: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(source_name, threading.Lock())

    def _load(self, source_name: str) -> TemporaryCredentials | None:
        try:
            text = self._store.read(session_key(source_name))
        except KeyringUnavailableError as exc:
            log.warning("%s", exc.user_message)
            return None
        if text is None:
            return None
        try:
            return TemporaryCredentials.from_json(text)
        except ValueError:
            log.warning("ignoring an unreadable stored MFA session for %s", source_name)
            return None

    def _save(self, source_name: str, session: TemporaryCredentials) -> None:
        self._memory[source_name] = session
        try:
            self._store.write(session_key(source_name), session.to_json())
        except KeyringUnavailableError as exc:
            log.warning("%s", exc.user_message)
            self._memory_only.add(source_name)
        else:
            self._memory_only.discard(source_name)

    def _discover(self, source: Profile) -> str:
        """The caller's MFA device from IAM, remembered for next time."""
        session = self._clients.profile_session(source.name, source.region)
        with aws_errors.translated(source.name, "list your MFA devices"):
            # Name the user explicitly: the caller-default is not honoured by every endpoint.
            arn = self._clients.sts(session).get_caller_identity()["Arn"]
            user = arn.rsplit("/", 1)[-1] if ":user/" in arn else None
            iam = self._clients.iam(session)
            listing = iam.list_mfa_devices(UserName=user) if user else iam.list_mfa_devices()
            devices = listing["MFADevices"]
        if not devices:
            raise MfaError(
                f"Profile '{source.name}' has no mfa_serial and no MFA device was found for its "
                f"user. Add 'mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME' to [profile "
                f"{source.name}] in ~/.aws/config, or assign an MFA device in IAM."
            )
        serial = devices[0]["SerialNumber"]
        # The ARN is rediscovered next time if the keyring refuses: not worth failing for.
        with contextlib.suppress(KeyringUnavailableError):
            self._store.write(device_key(source.name), serial)
        return serial

    def _ask_until_accepted(
        self, source: Profile, serial: str, for_profile: str
    ) -> TemporaryCredentials:
        problem: str | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            request = MfaRequest(for_profile, source.name, serial, attempt, problem)
            answer = self._prompt(request)
            if answer is None:
                self._cancelled[serial] = (next(self._ticks), for_profile)
                raise MfaError(f"MFA sign-in for '{for_profile}' was cancelled.")
            try:
                return self._get_session_token(source, serial, normalise_mfa_code(answer))
            except MfaError as exc:
                problem = exc.user_message
        raise MfaError(f"{problem} ({MAX_ATTEMPTS} attempts failed; run the command again.)")

    def _get_session_token(self, source: Profile, serial: str, code: str) -> TemporaryCredentials:
        session = self._clients.profile_session(source.name, source.region)
        with aws_errors.translated(source.name, "start an MFA session"):
            response = self._clients.sts(session).get_session_token(
                DurationSeconds=self._settings.session_seconds,
                SerialNumber=serial,
                TokenCode=code,
            )
        return from_sts(response["Credentials"], source.access_key_id)


def from_sts(credentials: object, source_key_id: str | None = None) -> TemporaryCredentials:
    """The one parser of an STS `Credentials` structure (GetSessionToken, AssumeRole)."""
    data = credentials if isinstance(credentials, dict) else {}
    expiration = data["Expiration"]
    if isinstance(expiration, str):
        expiration = datetime.fromisoformat(expiration)
    return TemporaryCredentials(
        access_key_id=data["AccessKeyId"],
        secret_access_key=data["SecretAccessKey"],
        session_token=data["SessionToken"],
        expiration=expiration.astimezone(UTC),
        source_key_id=source_key_id,
    )
