"""Fuzz cases for ssmgui's own settings file: malformed ones are kept aside as
settings.json.broken and the defaults apply (doctor says so); what is not a file is left
alone; odd values fall back to their defaults; an unusable plugin path is reported."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.fuzz.aws_files import CONFIG, CREDENTIALS, write
from tests.fuzz.case import Case


def settings_path(home: Path) -> Path:
    return home / ".config" / "ssmgui" / "settings.json"


def _writes(content: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(content)


def _json(value: object) -> Callable[[Path], object]:
    return _writes(json.dumps(value).encode())


MALFORMED: dict[str, Callable[[Path], object]] = {
    "binary": _writes(bytes(range(256)) * 8),
    "not UTF-8": _writes(b'{"ssh_user": "caf\xe9"}'),
    "truncated": _writes(b'{"ssh_user": "ubu'),
    "a list": _json(["ssh_user"]),
    "null": _json(None),
    "empty": _writes(b""),
    "5 MiB": _writes(b" " * (5 * 1024 * 1024)),
}
NOT_FILES: dict[str, Callable[[Path], object]] = {
    "FIFO": os.mkfifo,
    "directory": lambda path: path.mkdir(),
    "/dev/zero": lambda path: path.symlink_to("/dev/zero"),
    "symlink loop": lambda path: path.symlink_to(path),
}
#: Well-formed JSON with values of every wrong kind: from_dict falls back to defaults.
ODD_VALUES: dict[str, object] = {
    "wrong types": {"engine": 5, "favourites": "x", "preferred_ports": [1], "profiles": {}},
    "nested junk": {"favourites": [{"spec": 5}, None, [], {"name": {"a": 1}}]},
    "huge numbers": {"mfa_duration_s": 10**400, "expiry_warning_s": -(10**30)},
    "unknown keys": {"\u0000": 1, "x" * 10_000: [1, 2, 3]},
    "deep nesting": {"profiles": [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]},
    "plugin engine, no plugin": {"engine": "plugin", "plugin_path": "/nonexistent/plugin"},
    "plugin path a folder": {"engine": "plugin", "plugin_path": "/tmp"},
    "plugin path /dev/zero": {"engine": "plugin", "plugin_path": "/dev/zero"},
}


def settings_cases() -> list[Case]:
    cases = [
        Case("settings", name, _settings(make), _names_settings_for_doctor)
        for name, make in MALFORMED.items()
    ]
    cases += [
        Case("settings", f"is a {name}", _settings(make), _names_settings_for_doctor)
        for name, make in NOT_FILES.items()
    ]
    cases += [
        Case("settings", name, _settings(_json(value)), _names_plugin_for_doctor(value))
        for name, value in ODD_VALUES.items()
    ]
    return cases


def _settings(make: Callable[[Path], object]) -> Callable[[Path], Mapping[str, str]]:
    def prepare(home: Path) -> Mapping[str, str]:
        write(home, CONFIG, CREDENTIALS)
        settings_path(home).parent.mkdir(parents=True)
        make(settings_path(home))
        return {}

    return prepare


def _names_settings_for_doctor(home: Path, command: str) -> tuple[str, ...]:
    """Only doctor reads the settings; it names the file it could not use."""
    return (str(settings_path(home)),) if command == "doctor" else ()


def _names_plugin_for_doctor(value: object) -> Callable[[Path, str], tuple[str, ...]]:
    wants_plugin = isinstance(value, dict) and value.get("engine") == "plugin"
    return lambda _home, command: (
        ("session-manager-plugin",) if wants_plugin and command == "doctor" else ()
    )
