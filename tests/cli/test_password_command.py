"""`ssmgui password`: the real command on the demo world (its fake EC2 serves
GetPasswordData encrypted for the demo's key; real RSA decryption), and where the password
goes: stdout when piped or asked, the clipboard (a real xclip under Xvfb) on a terminal."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ssmgui.cli.clipboard import ClipboardTool, Outcome, find_tool, hold_secret
from ssmgui.cli.password_command import deliver
from ssmgui.demo.desktop.files import DEV
from ssmgui.demo.desktop.world import DEMO_RDP_PASSWORD, REGIONS, start_demo_desktop
from tests.cli.commands import run_ssmgui

DEMO_RDP_OF_DEV = "i-0de20000000000002"  # demo-dev's demo-rdp (featured ids are fixed)


def password(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_ssmgui(["--demo", "password", *args, "--profile", DEV], home)


@pytest.mark.slow
def test_piped_it_prints_the_decrypted_password_and_nothing_else(tmp_path: Path) -> None:
    done = password(tmp_path, DEMO_RDP_OF_DEV)
    assert done.returncode == 0, done.stderr
    assert done.stdout == DEMO_RDP_PASSWORD + "\n"
    assert DEMO_RDP_PASSWORD not in done.stderr


@pytest.mark.slow
def test_a_key_of_another_pair_is_refused_without_printing_anything(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = tmp_path / "other.pem"
    other.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    done = password(tmp_path, DEMO_RDP_OF_DEV, "--key", str(other))
    assert done.returncode == 2 and done.stdout == ""
    assert "could not be decrypted with this key" in done.stderr
    assert "Traceback" not in done.stderr


async def _instance_without_password_yet() -> str:
    desktop = await start_demo_desktop()
    try:
        fleet = desktop.fleet.ec2[DEV, REGIONS[0]].instances.values()
        return next(i.instance_id for i in fleet if i.platform == "windows" and not i.password)
    finally:
        await desktop.stop()


@pytest.mark.slow
async def test_a_password_not_generated_yet_is_explained(tmp_path: Path) -> None:
    instance = await _instance_without_password_yet()
    done = password(tmp_path, instance)
    assert done.returncode == 2 and done.stdout == ""
    assert "few minutes" in done.stderr and instance in done.stderr


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_without_a_clipboard_tool_it_is_not_printed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    screen, said = Terminal(), io.StringIO()
    if sys.platform == "darwin":
        pytest.skip("pbcopy is always there on macOS")
    assert deliver("S3cret!", "i-1", False, 45, stdout=screen, stderr=said) == 2
    assert "S3cret!" not in screen.getvalue() + said.getvalue()
    assert "--show" in said.getvalue()
    assert deliver("S3cret!", "i-1", True, 45, stdout=screen, stderr=said) == 0
    assert screen.getvalue() == "S3cret!\n"  # --show: the person asked for it


def test_the_desktop_s_own_tool_is_chosen() -> None:
    found = {"wl-copy": "/usr/bin/wl-copy", "xclip": "/usr/bin/xclip"}
    wayland = find_tool({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, found.get, "linux")
    x11 = find_tool({"DISPLAY": ":0"}, found.get, "linux")
    assert wayland is not None and wayland.name == "wl-copy"
    assert x11 is not None and x11.argv[:3] == ("/usr/bin/xclip", "-selection", "clipboard")
    assert find_tool({}, found.get, "linux") is None


# --- the real clipboard: Xvfb and xclip ----------------------------------------------------


@pytest.fixture
def x_display() -> Iterator[str]:
    if shutil.which("Xvfb") is None or shutil.which("xclip") is None:
        pytest.skip("needs Xvfb and xclip (scripts/check installs them)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write_fd)
    with os.fdopen(read_fd) as announced:
        display = f":{announced.readline().strip()}"
    try:
        _wait_until_it_answers(display)
        yield display
    finally:
        server.terminate()
        server.wait(5)


def _wait_until_it_answers(display: str) -> None:
    """Xvfb names its display when it listens, yet a client may still be refused for a
    moment on a busy machine ("Can't open display"): wait until one is served."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        asked = subprocess.run(
            ["xclip", "-selection", "clipboard", "-o"], env={**os.environ, "DISPLAY": display},
            capture_output=True, text=True, timeout=5, check=False,
        )  # fmt: skip
        if "open display" not in asked.stderr:
            return
        time.sleep(0.05)
    raise AssertionError(f"{display} never answered")


def clipboard_text(display: str) -> str:
    done = subprocess.run(
        ["xclip", "-selection", "clipboard", "-o"],
        env={**os.environ, "DISPLAY": display}, capture_output=True, text=True, timeout=5,
        check=False,
    )  # fmt: skip
    return done.stdout


def holding(display: str, secret: str, seconds: float) -> tuple[threading.Thread, list[Outcome]]:
    tool = find_tool({"DISPLAY": display}, shutil.which)
    assert tool is not None and tool.name == "xclip"
    env_tool = ClipboardTool(tool.name, ("env", f"DISPLAY={display}", *tool.argv))
    outcomes: list[Outcome] = []
    thread = threading.Thread(
        target=lambda: outcomes.append(hold_secret(env_tool, secret, seconds))
    )
    thread.start()
    return thread, outcomes


def wait_for(condition: object, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.real_clients
@pytest.mark.slow
def test_the_password_is_on_the_clipboard_for_a_while_then_gone(x_display: str) -> None:
    thread, outcomes = holding(x_display, "S3cret!", 1.5)
    wait_for(lambda: clipboard_text(x_display) == "S3cret!")
    thread.join(10)
    assert outcomes == [Outcome.CLEARED]
    assert clipboard_text(x_display) == ""


@pytest.mark.real_clients
@pytest.mark.slow
def test_something_copied_meanwhile_is_left_on_the_clipboard(x_display: str) -> None:
    thread, outcomes = holding(x_display, "S3cret!", 10)
    wait_for(lambda: clipboard_text(x_display) == "S3cret!")
    other = subprocess.Popen(
        ["xclip", "-selection", "clipboard", "-quiet"], stdin=subprocess.PIPE,
        env={**os.environ, "DISPLAY": x_display},
    )  # fmt: skip
    assert other.stdin is not None
    other.stdin.write(b"mine")
    other.stdin.close()
    try:
        thread.join(10)
        assert outcomes == [Outcome.REPLACED]
        assert clipboard_text(x_display) == "mine"
    finally:
        other.terminate()
        other.wait(5)


@pytest.mark.real_clients
def test_a_tool_that_cannot_hold_the_clipboard_is_told_not_taken_for_a_copy() -> None:
    if shutil.which("xclip") is None:
        pytest.skip("needs xclip (scripts/check installs it)")
    nowhere = ClipboardTool(
        "xclip", ("env", "DISPLAY=:65000", "xclip", "-selection", "clipboard", "-quiet")
    )
    assert hold_secret(nowhere, "S3cret!", 10) is Outcome.FAILED


@pytest.mark.real_clients
@pytest.mark.slow
def test_on_a_terminal_it_goes_to_the_clipboard_and_the_screen_only_says_so(
    x_display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", x_display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    screen, said = Terminal(), io.StringIO()
    seen: list[str] = []

    def watch() -> None:
        wait_for(lambda: clipboard_text(x_display) == "S3cret!")
        seen.append("yes")

    watcher = threading.Thread(target=watch)
    watcher.start()
    assert deliver("S3cret!", "i-1", False, 1.5, stdout=screen, stderr=said) == 0
    watcher.join(10)
    assert seen == ["yes"]  # it was on the clipboard while the command waited
    assert screen.getvalue() == "" and "S3cret!" not in said.getvalue()
    assert "on the clipboard (xclip) for 1.5 s" in said.getvalue()
    assert "Cleared from the clipboard." in said.getvalue()
    assert clipboard_text(x_display) == ""
