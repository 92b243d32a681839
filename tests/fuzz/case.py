"""One fuzz case: a temp HOME holding odd AWS files or settings, the commands run on it, and
the checks every outcome must pass.

A case's `prepare(home)` writes what it needs under `home` (AWS files, an SSO token, a
settings file, helper programs) and returns extra environment variables. Each command runs
either as a real process (`python -m ssmgui ...`) or in this process through the same
argparse handler `ssmgui.cli.main` dispatches to, with the same one door for SsmGuiError.
Either way nothing is reachable: AWS_ENDPOINT_URL names a loopback port that refuses.

Checks (`check`): exit code 0, 1 or 2; no traceback; no secret in the output; and, for
malformed input, one of the case's `expect(home, command)` strings (a file path, a
profile, an option) in the output.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ssmgui.cli import build_parser
from ssmgui.core.errors import SsmGuiError

#: Planted in every credentials file and in malformed lines: it must never be printed.
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFUZZSECRET"
KEYS = f"aws_access_key_id = AKIAFUZZEXAMPLE\naws_secret_access_key = {SECRET}\n"
COMMANDS = ("list", "whoami", "doctor")
#: A process that must not hang gets this long; the credential_process limit is 60 s.
PROCESS_TIMEOUT_S = 45
LONG_PROCESS_TIMEOUT_S = 100
IN_PROCESS_TIMEOUT_S = 40

Prepare = Callable[[Path], Mapping[str, str]]
Expect = Callable[[Path, str], tuple[str, ...]]


def nothing_expected(_home: Path, _command: str) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class Case:
    """`expect(home, command)`: strings of which the output must hold one (empty: no
    message required, as for well-formed input). `waits` marks a case that runs into the
    60 s credential_process limit."""

    family: str
    name: str
    prepare: Prepare
    expect: Expect = nothing_expected
    profile: str = "p"
    commands: tuple[str, ...] = COMMANDS
    waits: bool = False

    @property
    def id(self) -> str:
        return f"{self.family}:{self.name}"


@dataclass
class Outcome:
    code: int
    output: str
    unexpected: list[str] = field(default_factory=list)  # exceptions and logged tracebacks


def config_path(home: Path) -> Path:
    return home / ".aws" / "config"


def credentials_path(home: Path) -> Path:
    return home / ".aws" / "credentials"


def base_environment(home: Path, closed_port: int) -> dict[str, str]:
    """What every case runs with: only its HOME's files, nothing reachable, no keyring."""
    return {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "AWS_CONFIG_FILE": str(config_path(home)),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials_path(home)),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port}",
        "AWS_MAX_ATTEMPTS": "1",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


def command_line(case: Case, command: str) -> list[str]:
    return [command, "--profile", case.profile]


def run_process(case: Case, command: str, home: Path, env: Mapping[str, str]) -> Outcome:
    """`python -m ssmgui <command>` as a child; a hang is a failed outcome, not a hang."""
    limit = LONG_PROCESS_TIMEOUT_S if case.waits else PROCESS_TIMEOUT_S
    try:
        done = subprocess.run(
            [sys.executable, "-m", "ssmgui", *command_line(case, command)],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=limit,
            env=dict(env),
            cwd=home,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Outcome(-1, "", [f"no answer within {limit} s"])
    return Outcome(done.returncode, done.stdout + done.stderr)


def run_in_process(case: Case, command: str) -> Outcome:
    """The command's handler, as `ssmgui.cli.main` calls it, with its one door; the
    environment must already be the case's. Tracebacks logged by ssmgui count as failures."""
    args = build_parser().parse_args(command_line(case, command))
    out, logs = io.StringIO(), _LogTrap()
    result = Outcome(-1, "", [f"no answer within {IN_PROCESS_TIMEOUT_S} s"])

    def run() -> None:
        try:
            result.code, result.unexpected = int(args.handler(args)), []
        except SsmGuiError as exc:
            print(f"ssmgui: {exc.user_message}", file=sys.stderr)
            result.code, result.unexpected = 2, []
        except Exception as exc:  # the very thing the fuzz looks for
            result.code, result.unexpected = -1, [f"{type(exc).__name__} escaped the command"]

    with _captured(out, logs):
        # On a thread of its own, so that a hang fails the case instead of the whole run.
        worker = threading.Thread(target=run, name=f"fuzz {command}", daemon=True)
        worker.start()
        worker.join(IN_PROCESS_TIMEOUT_S)
    result.unexpected += logs.tracebacks
    result.output = out.getvalue() + logs.text()
    return result


def check(case: Case, command: str, outcome: Outcome, home: Path) -> list[str]:
    """What is wrong with `outcome`; empty when it passes."""
    problems = list(outcome.unexpected)
    if outcome.code not in (0, 1, 2):
        problems.append(f"exit code {outcome.code}")
    if "Traceback" in outcome.output:
        problems.append("a traceback was printed")
    if SECRET in outcome.output:
        problems.append("the secret was printed")
    expected = case.expect(home, command)
    said = outcome.output.casefold()
    if expected and not any(name.casefold() in said for name in expected):
        problems.append(f"no message naming any of {expected}")
    if problems:
        tail = outcome.output[-1500:]
        return [f"{case.id} {command}: {'; '.join(problems)}\n{tail}"]
    return []


class _LogTrap(logging.Handler):
    """Records at WARNING and above, as the CLI would print them; ssmgui's own tracebacks
    (logger.exception: something unexpected) are failures."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []
        self.tracebacks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")
        if record.exc_info and record.name.startswith("ssmgui"):
            self.tracebacks.append(f"{record.name} logged a traceback: {record.getMessage()}")

    def text(self) -> str:
        return "\n".join(self.lines)


@contextlib.contextmanager
def _captured(out: io.StringIO, logs: _LogTrap) -> Iterator[None]:
    root = logging.getLogger()
    root.addHandler(logs)
    stdin = sys.stdin
    sys.stdin = io.StringIO()  # an MFA prompt reads end of input, as from /dev/null
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            yield
    finally:
        sys.stdin = stdin
        root.removeHandler(logs)


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """os.environ is exactly `values` inside the block (then restored)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
