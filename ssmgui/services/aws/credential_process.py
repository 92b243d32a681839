"""A profile's `credential_process`, run with a time limit and its answer checked.

botocore waits for the program without limit, so one that never exits (or whose own child
keeps its output open) would hang every command; and one that is missing, not executable or
prints something else raises an exception that names nothing. `CredentialProcessProvider`
takes the place of botocore's provider in the sessions `AwsClients` makes, under botocore's
contract: the command line split as botocore splits it, and on stdout a JSON object with
`Version` 1, `AccessKeyId`, `SecretAccessKey`, and optionally `SessionToken` and `Expiration`.

What a caller may rely on:
- the program gets `TIME_LIMIT_S` (60 s) to print its answer and exit; then it is killed and
  the wait ends, whatever its children do;
- at most `MAX_OUTPUT_BYTES` of output are read; more ends the program too;
- stdin is empty (a tunnel's stdin carries data); the program's own messages are copied to
  our stderr as it writes them, for the person to read; it never holds our stderr itself,
  so a child it leaves running cannot keep a caller that reads our output waiting;
- every failure is a `CredentialProcessError` naming the profile and the config file, never
  quoting the command line or the output (either may hold a secret).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from botocore.compat import compat_shell_split
from botocore.credentials import CredentialProvider, Credentials, RefreshableCredentials
from botocore.utils import parse_timestamp

from ssmgui.core.errors import CredentialProcessError

TIME_LIMIT_S = 60.0
#: A credentials answer is a few kilobytes; this bounds the memory a runaway program takes.
MAX_OUTPUT_BYTES = 1024 * 1024
_CHUNK = 64 * 1024
#: How long the program's last stderr lines get to reach ours once it has exited.
_RELAY_GRACE_S = 0.5

ProfileSettings = Callable[[], Mapping[str, object]]


@dataclass(frozen=True)
class _Answer:
    access_key: str
    secret_key: str
    token: str | None
    expiry: datetime | None
    account_id: str | None

    def metadata(self) -> dict[str, str | None]:
        """The form botocore's refreshable credentials take."""
        return {
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "token": self.token,
            "expiry_time": self.expiry.isoformat() if self.expiry else None,
            "account_id": self.account_id,
        }


class CredentialProcessProvider(CredentialProvider):
    """botocore's `custom-process` provider with a time limit and named failures.

    `settings()` returns the profile's settings as botocore reads them; `where` names the
    file they come from, for messages.
    """

    METHOD = "custom-process"

    def __init__(
        self,
        profile: str,
        settings: ProfileSettings,
        where: str,
        time_limit: float = TIME_LIMIT_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__()
        self._profile = profile
        self._settings = settings
        self._where = where
        self._time_limit = time_limit
        self._clock = clock

    def load(self) -> Credentials | None:
        """The program's credentials; None when the profile names no credential_process."""
        command = self._settings().get("credential_process")
        if command is None:
            return None
        if not isinstance(command, str) or not command.strip():
            raise self._error("is empty; name the program to run, with its arguments")
        argv = self._split(command)
        answer = self._answer(argv)
        if answer.expiry is None:
            return Credentials(
                answer.access_key,
                answer.secret_key,
                answer.token,
                method=self.METHOD,
                account_id=answer.account_id,
            )
        return RefreshableCredentials.create_from_metadata(
            answer.metadata(), lambda: self._answer(argv).metadata(), self.METHOD
        )

    def _split(self, command: str) -> list[str]:
        try:
            argv = compat_shell_split(command)
        except ValueError:
            raise self._error(
                "has a quote that is never closed; quote the program and each argument whole"
            ) from None
        if not argv or not argv[0]:
            raise self._error("names no program; name the program to run, with its arguments")
        return argv

    def _answer(self, argv: list[str]) -> _Answer:
        output = self._run(argv)
        answer = self._parse(output)
        if answer.expiry is not None and answer.expiry <= self._clock():
            raise self._error(
                f"returned credentials that expired at {answer.expiry:%Y-%m-%d %H:%M:%S %Z}; "
                "renew them where the program gets them from (sign in to it again)"
            )
        return answer

    def _run(self, argv: list[str]) -> bytes:
        try:
            process = subprocess.Popen(  # noqa: S603 - the user's own config names the program
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as exc:
            raise self._error(_start_failure(exc)) from None
        output = _Output(process, self._time_limit)
        if output.timed_out or output.too_long:
            process.kill()
            process.wait()
            if output.too_long:
                raise self._error(f"printed more than {MAX_OUTPUT_BYTES // 1024} KiB")
            raise self._error(
                f"did not finish within {self._time_limit:g} s (or a program it started "
                "kept its output open) and was stopped; run it in a terminal to see what it "
                "waits for"
            )
        if process.returncode != 0:
            raise self._error(_exit_failure(process.returncode))
        return output.data

    def _parse(self, output: bytes) -> _Answer:
        try:
            data = json.loads(output.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError and JSONDecodeError both are
            data = None
        if not isinstance(data, dict):
            raise self._error(_CONTRACT.format(what="did not print a JSON object"))
        if data.get("Version") != 1:
            raise self._error(_CONTRACT.format(what='printed no "Version": 1'))
        access_key, secret_key = data.get("AccessKeyId"), data.get("SecretAccessKey")
        token, account = data.get("SessionToken"), data.get("AccountId")
        if not _text(access_key) or not _text(secret_key):
            raise self._error(_CONTRACT.format(what="printed no AccessKeyId or SecretAccessKey"))
        if not _text_or_none(token) or not _text_or_none(account):
            raise self._error(
                _CONTRACT.format(what="printed a SessionToken or AccountId that is not text")
            )
        configured = self._settings().get("aws_account_id")
        configured_account = configured if isinstance(configured, str) and configured else None
        return _Answer(
            access_key=str(access_key),
            secret_key=str(secret_key),
            token=token,
            expiry=self._expiry(data.get("Expiration")),
            account_id=account or configured_account,
        )

    def _expiry(self, value: object) -> datetime | None:
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise TypeError(value)
            parsed = parse_timestamp(value)
        except (TypeError, ValueError, OverflowError):
            raise self._error(
                _CONTRACT.format(what="printed an Expiration that is not an ISO 8601 time")
            ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def _error(self, problem: str) -> CredentialProcessError:
        return CredentialProcessError(
            f"The credential_process of profile '{self._profile}' ({self._where}) {problem}."
        )


_CONTRACT = (
    "{what}. It must print a JSON object with Version 1, AccessKeyId, SecretAccessKey and "
    "optionally SessionToken and Expiration (ISO 8601); run it in a terminal to see what it "
    "prints"
)


class _Output:
    """Collects a program's stdout until it ends, `time_limit` passes, or it grows too long.

    The reading happens on a daemon thread that the caller waits for with a time limit: when
    the program exits but a child of its own keeps the pipe open, the read never ends, and
    the thread is left to finish whenever that child does, holding only the pipe. Nothing
    else touches the pipe meanwhile (closing it under a blocked read would block too). A
    second daemon thread copies its stderr to ours, the same way.
    """

    def __init__(self, process: subprocess.Popen[bytes], time_limit: float) -> None:
        self._chunks: list[bytes] = []
        self.too_long = False
        self.timed_out = False
        assert process.stdout is not None, "the program's stdout is a pipe"
        assert process.stderr is not None, "the program's stderr is a pipe"
        deadline = time.monotonic() + time_limit
        reader = threading.Thread(
            target=self._read, args=(process.stdout,), name="ssmgui-credential-process",
            daemon=True,
        )  # fmt: skip
        relay = threading.Thread(
            target=_relay, args=(process.stderr,), name="ssmgui-credential-process-stderr",
            daemon=True,
        )  # fmt: skip
        relay.start()
        reader.start()
        reader.join(time_limit)
        if reader.is_alive():
            self.timed_out = True
        elif not self.too_long:
            try:  # its output ended: it is exiting, or should be by the deadline
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.timed_out = True
            relay.join(_RELAY_GRACE_S)  # its last words before ours

    @property
    def data(self) -> bytes:
        return b"".join(self._chunks)

    def _read(self, stream: IO[bytes]) -> None:
        descriptor = stream.fileno()
        size = 0
        try:
            while chunk := os.read(descriptor, _CHUNK):
                size += len(chunk)
                if size > MAX_OUTPUT_BYTES:
                    self.too_long = True
                    return
                self._chunks.append(chunk)
        finally:
            stream.close()


def _relay(stream: IO[bytes]) -> None:
    """Copies the program's stderr to ours as it comes, until the pipe closes."""
    descriptor = stream.fileno()
    try:
        while chunk := os.read(descriptor, _CHUNK):
            sys.stderr.write(chunk.decode("utf-8", errors="replace"))
            sys.stderr.flush()
    except (OSError, ValueError):  # our stderr is closed: nobody is reading
        pass
    finally:
        stream.close()


def _start_failure(exc: OSError) -> str:
    reasons = {
        errno.ENOENT: "names a program that was not found; check its path",
        errno.EACCES: "names a program that may not be run (permission denied); check its "
        "path and that it is executable",
        errno.ENOEXEC: "names a file that is not a program this system can run (a script "
        "needs a #! line)",
        errno.ENOTDIR: "names a program under a path that is not a folder; check its path",
    }
    return reasons.get(
        exc.errno or 0, f"could not be started ({type(exc).__name__}, errno {exc.errno})"
    )


def _exit_failure(returncode: int) -> str:
    if returncode < 0:
        return f"was ended by signal {-returncode}; run it in a terminal to see why"
    return (
        f"exited with status {returncode}; its own message, if any, went to stderr. Run it in "
        "a terminal to see why"
    )


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _text_or_none(value: object) -> bool:
    return value is None or isinstance(value, str)
