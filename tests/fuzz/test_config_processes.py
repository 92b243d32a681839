"""The representative fuzz cases through real `ssmgui list`, `whoami` and `doctor`
processes, a few at a time: what holds in-process holds for the command a person runs, and
nothing hangs (each process has a time limit; the programs that never answer run into the
60 s credential_process limit and end with a message)."""

from __future__ import annotations

import socket
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fuzz.case import Case, base_environment, check, run_process
from tests.fuzz.catalogue import CASES, process_cases

pytestmark = pytest.mark.slow

#: Processes at once: the 60 s waits sleep, so two cores still run two active ones.
WORKERS = 5


@pytest.fixture(scope="module")
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: every connection is refused at once."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def run_case(case: Case, command: str, home: Path, port: int) -> list[str]:
    home.mkdir(parents=True)
    extra = case.prepare(home)
    values = {**base_environment(home, port), **extra}
    env = {key: value for key, value in values.items() if value}
    return check(case, command, run_process(case, command, home, env), home)


@pytest.mark.timeout(600)
def test_representative_cases_as_processes(tmp_path: Path, closed_port: int) -> None:
    cases = process_cases()
    runs = [(case, command) for case in cases for command in case.commands]
    began = time.monotonic()
    with ThreadPoolExecutor(WORKERS) as pool:
        results = pool.map(
            lambda numbered: run_case(
                numbered[1][0], numbered[1][1], tmp_path / str(numbered[0]), closed_port
            ),
            enumerate(runs),
        )
        problems = [problem for result in results for problem in result]
    took = time.monotonic() - began
    families = Counter(case.family for case, _command in runs)
    print(
        f"\n{len(runs)} process runs of {len(cases)} cases in {took:.0f} s "
        f"(all cases: {len(CASES)}); runs by family: {dict(families)}"
    )
    assert not problems, "\n\n".join(problems)
