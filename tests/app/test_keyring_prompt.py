"""The real app on a desktop whose keyring was never created (issue 17, item 5).

There, gnome-keyring answers ssmgui's first read with a "Choose password for new keyring"
prompt. It used to come back 13 times in two minutes, the window froze while each was up,
and after SIGTERM the process lived 58 s until the last one was cancelled. Now: one prompt
per run; the window answers while it is up; once dismissed, one notice in the window says
sessions are kept in memory; and quitting does not wait for an unanswered prompt.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import keyring
import keyring.backends.SecretService
import pytest
from PySide6.QtWidgets import QApplication

from ssmgui.app import main
from ssmgui.app.services import AppServices
from ssmgui.ui.controller import AppController
from ssmgui.ui.main_surface import MainSurface
from tests.app.secret_service_desktop import (
    KeyringPerson,
    keyring_desktop,
    prompt_windows,
    screenshot,
)
from tests.app.test_bad_configuration import private_home
from tests.app.test_gui_demo import until

pytestmark = [pytest.mark.real_clients, pytest.mark.slow]

CONFIG = "[profile work]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::111122223333:mfa/me\n"
CREDENTIALS = (
    "[work]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
)


def write_mfa_profile(env: dict[str, str]) -> None:
    Path(env["AWS_CONFIG_FILE"]).write_text(CONFIG, encoding="utf-8")
    Path(env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(CREDENTIALS, encoding="utf-8")


async def longest_stall(seconds: float) -> float:
    """The longest the GUI's loop went without running a 20 ms timer, over `seconds`."""
    worst, end = 0.0, time.monotonic() + seconds
    while time.monotonic() < end:
        before = time.monotonic()
        await asyncio.sleep(0.02)
        worst = max(worst, time.monotonic() - before)
    return worst


async def test_a_dismissed_prompt_is_asked_once_and_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = private_home(tmp_path / "home", monkeypatch)
    write_mfa_profile(env)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never a real AWS
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    with keyring_desktop(tmp_path / "desktop") as desktop:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.env["DBUS_SESSION_BUS_ADDRESS"])
        before = keyring.get_keyring()
        keyring.set_keyring(keyring.backends.SecretService.Keyring())  # type: ignore[no-untyped-call]
        person = KeyringPerson(desktop.env, patience=1.5, shots=tmp_path)
        person.start()
        ready: list[tuple[AppController, MainSurface, AppServices]] = []
        running = asyncio.ensure_future(
            main(app, demo=False, log_path=tmp_path / "ssmgui.log",
                 on_ready=lambda *parts: ready.append(parts))
        )  # fmt: skip
        try:
            await until(lambda: bool(ready), 20)
            controller, surface, services = ready[0]
            await until(person.first_seen.is_set, 20)
            # While the prompt is up the window answers: nothing waits for it on its thread.
            assert await longest_stall(1.0) < 0.5
            notice = surface.window.notice
            await until(lambda: "memory" in notice.text.text(), 20)
            assert notice.isVisible() and notice.text.isVisible()
            assert "could not be opened or created" in notice.text.text()
            assert "restart" in notice.text.text()
            surface.window.grab().save(str(tmp_path / "keyring-notice.png"))

            # Asked again, by the window and by a worker, the keyring is not asked again.
            controller.update_credentials()
            assert services.secrets is not None
            await asyncio.to_thread(services.identity.needs_login, "work")
            await asyncio.sleep(3.0)  # a new prompt would be on the screen by now
            assert prompt_windows(desktop.env) == []
            assert person.cancelled == 1
            assert "memory only" in services.secrets.location
        finally:
            person.join()
            screenshot(desktop.env, tmp_path / "after.png")
            app.quit()
            started = time.monotonic()
            assert await asyncio.wait_for(running, 30) == 0
            keyring.set_keyring(before)
        assert time.monotonic() - started < 5


def test_quit_does_not_wait_for_an_unanswered_prompt(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with keyring_desktop(tmp_path / "desktop") as desktop:
        env = {
            **desktop.env,
            "QT_QPA_PLATFORM": "offscreen",
            "TMPDIR": str(_folder(tmp_path / "tmp")),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_STATE_HOME": str(home / "state"),
            "AWS_CONFIG_FILE": str(_folder(home / ".aws") / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        }
        for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.pop(name, None)
        write_mfa_profile(env)
        log = home / "state" / "ssmgui" / "log" / "ssmgui.log"
        process = subprocess.Popen([sys.executable, "-m", "ssmgui"], env=env)
        try:
            _wait(lambda: bool(prompt_windows(desktop.env)), process, 30)
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            assert process.wait(30) == 0
            assert time.monotonic() - started < 5
            assert prompt_windows(desktop.env) == []  # our call went with us
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    content = log.read_text()
    assert "ssmgui quit: tunnels stopped, services closed" in content
    assert "Traceback" not in content


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _wait(condition: object, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        assert process.poll() is None, "ssmgui exited early"
        time.sleep(0.1)
    raise AssertionError(f"no keyring prompt within {seconds} s")
