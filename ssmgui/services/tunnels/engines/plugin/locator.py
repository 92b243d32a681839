"""Finding AWS's session-manager-plugin and checking its version (docs/protocol.md §13).

Search order: the path from the settings, then PATH, then the standard install locations
of each OS, then a copy bundled next to the app. PATH alone is not enough: an app started
from Finder (or a Windows shortcut) gets a minimal PATH that misses /usr/local/bin.

The candidate lists and version comparison are pure functions, tested by equality for the
operating systems these tests cannot run on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from ssmgui.core.errors import PluginNotFoundError, PluginUnsupportedError

PLUGIN_NAME = "session-manager-plugin"
# AWS's stated minimum: it signs the WebSocket upgrade with SigV4 (§9, §13).
MINIMUM_VERSION = (1, 2, 764, 0)
VERSION_TIMEOUT_S = 15.0
INSTALL_URL = (
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/"
    "session-manager-working-with-install-plugin.html"
)
_VERSION = re.compile(r"\b(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?\b")


@dataclass(frozen=True)
class PluginProgram:
    """A usable plugin: the argv prefix that runs it (one path, or an interpreter and a
    script for the test stub) and the version it reported."""

    command: tuple[str, ...]
    version: str


def executable_name(system: str) -> str:
    return f"{PLUGIN_NAME}.exe" if system == "Windows" else PLUGIN_NAME


def standard_locations(system: str, environ: Mapping[str, str]) -> list[PurePath]:
    """Where AWS's installers (and Homebrew) put the plugin on `system` (platform.system())."""
    if system == "Windows":
        roots = [environ.get("ProgramFiles", r"C:\Program Files")]
        if "ProgramW6432" in environ:
            roots.append(environ["ProgramW6432"])
        return [
            PureWindowsPath(root, "Amazon", "SessionManagerPlugin", "bin", executable_name(system))
            for root in dict.fromkeys(roots)
        ]
    posix = PurePosixPath
    if system == "Darwin":
        return [
            posix("/usr/local/sessionmanagerplugin/bin", PLUGIN_NAME),
            posix("/usr/local/bin", PLUGIN_NAME),
            posix("/opt/homebrew/bin", PLUGIN_NAME),
        ]
    return [
        posix("/usr/local/bin", PLUGIN_NAME),
        posix("/usr/local/sessionmanagerplugin/bin", PLUGIN_NAME),
        posix("/usr/bin", PLUGIN_NAME),
    ]


def candidate_paths(
    *,
    settings_path: str | None,
    system: str,
    environ: Mapping[str, str],
    app_dir: PurePath | None,
) -> list[PurePath]:
    """Every place to look, in order, without duplicates."""
    path_type: type[PurePath] = PureWindowsPath if system == "Windows" else PurePosixPath
    name = executable_name(system)
    separator = ";" if system == "Windows" else ":"
    found: list[PurePath] = []
    if settings_path:
        found.append(path_type(settings_path))
    found += [path_type(d, name) for d in environ.get("PATH", "").split(separator) if d]
    found += standard_locations(system, environ)
    if app_dir is not None:
        found += [path_type(app_dir, name), path_type(app_dir, "bin", name)]
    return list(dict.fromkeys(found))


def parse_version(text: str) -> tuple[int, ...] | None:
    """The first dotted version in `--version` output, e.g. "1.2.764.0" → (1, 2, 764, 0)."""
    match = _VERSION.search(text)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups(default="0"))


def is_supported(version: tuple[int, ...]) -> bool:
    return version >= MINIMUM_VERSION


def unsupported_message(version_text: str, where: str) -> str:
    minimum = ".".join(map(str, MINIMUM_VERSION))
    return (
        f"The session-manager-plugin at {where} is version {version_text}; AWS supports "
        f"{minimum} or later. Update it ({INSTALL_URL}), or switch to the built-in engine "
        "in Settings."
    )


def not_found_message(looked_in: Sequence[PurePath], settings_path: str | None) -> str:
    places = ", ".join(str(p.parent) for p in looked_in[:6])
    setting = (
        f"The path in Settings ({settings_path}) is not an executable file. "
        if settings_path
        else ""
    )
    return (
        f"{setting}AWS's session-manager-plugin was not found (looked in {places}, …). "
        f"Install it ({INSTALL_URL}), set its path in Settings, or switch to the built-in "
        "engine."
    )


def default_app_dir() -> Path | None:
    """Where a bundled plugin would sit: next to the frozen executable (PyInstaller)."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return None


async def read_version(command: Sequence[str], environ: Mapping[str, str]) -> str:
    """Run `<command> --version` and return what it printed (stripped); "" if it failed."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            "--version",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=dict(environ),
        )
    except OSError:
        return ""
    try:
        out, _ = await asyncio.wait_for(process.communicate(), VERSION_TIMEOUT_S)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return ""
    return out.decode("utf-8", "replace").strip()


async def check_program(command: Sequence[str], environ: Mapping[str, str]) -> PluginProgram:
    """A PluginProgram for `command` if it reports a supported version; else raise
    PluginUnsupportedError (too old, or no version at all)."""
    text = await read_version(command, environ)
    version = parse_version(text)
    if version is None:
        raise PluginUnsupportedError(
            unsupported_message(repr(text[:40]) if text else "unknown", command[-1]), text
        )
    version_text = ".".join(map(str, version))
    if not is_supported(version):
        raise PluginUnsupportedError(unsupported_message(version_text, command[-1]), version_text)
    return PluginProgram(tuple(command), version_text)


class PluginLocator:
    """Finds the plugin once per call of `locate`; collaborators injectable for tests."""

    def __init__(
        self,
        settings_path: str | None = None,
        *,
        system: str | None = None,
        environ: Mapping[str, str] | None = None,
        app_dir: PurePath | None = None,
    ) -> None:
        self.settings_path = settings_path
        self._system = system or platform.system()
        self._environ = dict(os.environ if environ is None else environ)
        self._app_dir = app_dir if app_dir is not None else default_app_dir()

    def candidates(self) -> list[PurePath]:
        return candidate_paths(
            settings_path=self.settings_path,
            system=self._system,
            environ=self._environ,
            app_dir=self._app_dir,
        )

    def find(self) -> Path:
        """The first candidate that is an executable file; PluginNotFoundError otherwise."""
        candidates = self.candidates()
        for candidate in candidates:
            path = Path(candidate)
            if path.is_file() and os.access(path, os.X_OK):
                return path
            if self.settings_path and str(candidate) == self.settings_path:
                break  # a wrong explicit path is an error, not a hint to look elsewhere
        raise PluginNotFoundError(not_found_message(candidates, self.settings_path))

    async def locate(self) -> PluginProgram:
        """Find the plugin and check its version (PluginNotFoundError / …UnsupportedError)."""
        path = self.find()
        return await check_program((str(path),), self._environ)
