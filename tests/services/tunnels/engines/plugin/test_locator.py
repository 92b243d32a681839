"""Finding the plugin: per-OS candidate lists (pure), real discovery on PATH, version gate."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from ssmgui.core.errors import PluginNotFoundError, PluginUnsupportedError
from ssmgui.services.tunnels.engines.plugin.locator import (
    PluginLocator,
    PluginProgram,
    candidate_paths,
    check_program,
    is_supported,
    parse_version,
)
from tests.services.tunnels.engines.plugin.conftest import STUB_COMMAND


def test_windows_candidates() -> None:
    environ = {
        "PATH": r"C:\Windows\system32;C:\tools",
        "ProgramFiles": r"C:\Program Files",
        "ProgramW6432": r"D:\Programs",
    }
    assert candidate_paths(
        settings_path=r"E:\aws\session-manager-plugin.exe",
        system="Windows",
        environ=environ,
        app_dir=PureWindowsPath(r"C:\Program Files\ssmgui"),
    ) == [
        PureWindowsPath(r"E:\aws\session-manager-plugin.exe"),
        PureWindowsPath(r"C:\Windows\system32\session-manager-plugin.exe"),
        PureWindowsPath(r"C:\tools\session-manager-plugin.exe"),
        PureWindowsPath(
            r"C:\Program Files\Amazon\SessionManagerPlugin\bin\session-manager-plugin.exe"
        ),
        PureWindowsPath(r"D:\Programs\Amazon\SessionManagerPlugin\bin\session-manager-plugin.exe"),
        PureWindowsPath(r"C:\Program Files\ssmgui\session-manager-plugin.exe"),
        PureWindowsPath(r"C:\Program Files\ssmgui\bin\session-manager-plugin.exe"),
    ]


def test_macos_candidates_cover_a_finder_launch_with_a_minimal_path() -> None:
    assert candidate_paths(
        settings_path=None,
        system="Darwin",
        environ={"PATH": "/usr/bin:/bin"},
        app_dir=PurePosixPath("/Applications/ssmgui.app/Contents/MacOS"),
    ) == [
        PurePosixPath("/usr/bin/session-manager-plugin"),
        PurePosixPath("/bin/session-manager-plugin"),
        PurePosixPath("/usr/local/sessionmanagerplugin/bin/session-manager-plugin"),
        PurePosixPath("/usr/local/bin/session-manager-plugin"),
        PurePosixPath("/opt/homebrew/bin/session-manager-plugin"),
        PurePosixPath("/Applications/ssmgui.app/Contents/MacOS/session-manager-plugin"),
        PurePosixPath("/Applications/ssmgui.app/Contents/MacOS/bin/session-manager-plugin"),
    ]


def test_linux_candidates_without_duplicates() -> None:
    assert candidate_paths(
        settings_path=None,
        system="Linux",
        environ={"PATH": "/usr/local/bin::/usr/bin"},
        app_dir=None,
    ) == [
        PurePosixPath("/usr/local/bin/session-manager-plugin"),
        PurePosixPath("/usr/bin/session-manager-plugin"),
        PurePosixPath("/usr/local/sessionmanagerplugin/bin/session-manager-plugin"),
    ]


@pytest.mark.parametrize(
    ("text", "version", "supported"),
    [
        ("1.2.764.0\n", (1, 2, 764, 0), True),
        ("1.2.677.0", (1, 2, 677, 0), False),
        ("1.10.0.0", (1, 10, 0, 0), True),  # numeric, not string, comparison
        ("session-manager-plugin 1.3.5", (1, 3, 5, 0), True),
        ("1.2.763.99", (1, 2, 763, 99), False),
    ],
)
def test_version_parsing_and_gate(text: str, version: tuple[int, ...], supported: bool) -> None:
    assert parse_version(text) == version
    assert is_supported(version) is supported


def test_no_version_at_all() -> None:
    assert parse_version("Unknown operation") is None


def install_stub(directory: Path, version: str) -> Path:
    """A real executable named like the plugin, running the stub with a fixed version."""
    directory.mkdir(parents=True)
    program = directory / "session-manager-plugin"
    python, stub = STUB_COMMAND
    program.write_text(f'#!/bin/sh\nSTUB_PLUGIN_VERSION={version} exec "{python}" "{stub}" "$@"\n')
    program.chmod(0o755)
    return program


async def test_found_on_path_and_its_version_read(tmp_path: Path) -> None:
    program = install_stub(tmp_path / "bin", "1.2.800.0")
    (tmp_path / "empty").mkdir()
    environ = {"PATH": f"{tmp_path / 'empty'}{os.pathsep}{program.parent}"}
    locator = PluginLocator(system="Linux", environ=environ, app_dir=tmp_path / "app")
    assert await locator.locate() == PluginProgram((str(program),), "1.2.800.0")


async def test_the_settings_path_wins_and_an_old_one_is_refused(tmp_path: Path) -> None:
    install_stub(tmp_path / "new", "1.2.800.0")
    old = install_stub(tmp_path / "old", "1.2.677.0")
    environ = {"PATH": str(tmp_path / "new")}
    locator = PluginLocator(str(old), system="Linux", environ=environ, app_dir=tmp_path)
    with pytest.raises(PluginUnsupportedError, match="Update it") as caught:
        await locator.locate()
    assert caught.value.version == "1.2.677.0"


def test_a_wrong_settings_path_is_reported_not_silently_skipped(tmp_path: Path) -> None:
    install_stub(tmp_path / "bin", "1.2.800.0")
    wrong = str(tmp_path / "nowhere" / "session-manager-plugin")
    locator = PluginLocator(wrong, system="Linux", environ={"PATH": str(tmp_path / "bin")})
    with pytest.raises(PluginNotFoundError, match="The path in Settings"):
        locator.find()


def test_not_found_says_where_it_looked_and_how_to_install(tmp_path: Path) -> None:
    locator = PluginLocator(system="Linux", environ={"PATH": str(tmp_path)}, app_dir=tmp_path)
    if any(Path(p).exists() for p in locator.candidates()):
        pytest.skip("a session-manager-plugin is installed on this machine")
    with pytest.raises(
        PluginNotFoundError, match="session-manager-working-with-install-plugin"
    ) as caught:
        locator.find()
    assert str(tmp_path) in caught.value.user_message


async def test_a_program_that_prints_no_version_is_unsupported() -> None:
    with pytest.raises(PluginUnsupportedError, match="unknown"):
        await check_program(("/bin/sh", "-c", "exit 0"), {"PATH": "/usr/bin:/bin"})
