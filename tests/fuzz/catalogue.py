"""Every fuzz case by family, and the representative subset that runs as processes."""

from __future__ import annotations

from tests.fuzz.app_settings import settings_cases
from tests.fuzz.aws_files import file_type_cases, mutation_cases, odd_cases, syntax_cases
from tests.fuzz.aws_settings import (
    client_setting_cases,
    credential_process_cases,
    role_cases,
    sso_cases,
    waiting_process_cases,
)
from tests.fuzz.case import Case

#: Every case that ends within seconds; they all run in-process, every fourth as a process.
CASES: list[Case] = [
    *syntax_cases(),
    *file_type_cases(),
    *odd_cases(),
    *mutation_cases(),
    *role_cases(),
    *client_setting_cases(),
    *credential_process_cases(),
    *sso_cases(),
    *settings_cases(),
]
#: Families whose every case also runs as a process: what would hang or crash a process
#: (FIFOs, devices, programs) is proven on real processes, not only in-process.
WHOLE_FAMILIES_AS_PROCESSES = frozenset({"file type", "credential_process"})


def process_cases() -> list[Case]:
    """The cases run as real processes: whole families above, every fourth of the rest, and
    the programs that run into the 60 s credential_process limit."""
    chosen = [
        case
        for index, case in enumerate(CASES)
        if case.family in WHOLE_FAMILIES_AS_PROCESSES or index % 4 == 0
    ]
    return [*waiting_process_cases(), *chosen]
