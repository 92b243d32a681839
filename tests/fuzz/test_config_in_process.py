"""Every fuzz case through `list`, `whoami` and `doctor` in this process, by the handlers
`ssmgui.cli.main` dispatches to: no exception escapes, no traceback is logged, exit codes
are 0, 1 or 2, no secret is printed, and malformed input is named (tests/fuzz/case.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from tests.fuzz.case import Case, base_environment, check, environment, run_in_process
from tests.fuzz.catalogue import CASES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: every connection is refused at once."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.fixture(scope="module", autouse=True)
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]  # keyring is untyped
    yield
    keyring.set_keyring(previous)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_config_case_in_process(case: Case, tmp_path: Path, closed_port: int) -> None:
    home = tmp_path / "home"
    home.mkdir()
    extra = case.prepare(home)
    values = {**base_environment(home, closed_port), **extra}
    problems = []
    with environment({key: value for key, value in values.items() if value}):
        for command in case.commands:
            problems += check(case, command, run_in_process(case, command), home)
    assert not problems, "\n\n".join(problems)
