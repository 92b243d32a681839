"""The GUI starts on AWS files it cannot read, and says what is wrong on the screen.

It used to exit at once with code 1, the reason only in the log: the first listing read the
profiles and the error escaped start-up. Now the window shows the problem and the app runs
on without those profiles; fixing the file is picked up by the next refresh.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from ssmgui.app import main
from ssmgui.app.services import AppServices
from ssmgui.ui.controller import AppController
from ssmgui.ui.main_surface import MainSurface
from tests.app.test_gui_demo import until

KEY_BEFORE_ANY_SECTION = "region = eu-west-1\n[profile ops]\nregion = eu-west-1\n"


def private_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A home whose AWS files and app folders are all under `home`."""
    (home / ".aws").mkdir(parents=True)
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    return env


async def test_the_window_says_what_is_wrong_and_the_app_runs_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = private_home(tmp_path, monkeypatch)
    config = Path(env["AWS_CONFIG_FILE"])
    config.write_text(KEY_BEFORE_ANY_SECTION, encoding="utf-8")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    ready: list[tuple[AppController, MainSurface, AppServices]] = []
    running = asyncio.ensure_future(
        main(app, demo=False, log_path=tmp_path / "ssmgui.log",
             on_ready=lambda *parts: ready.append(parts))
    )  # fmt: skip
    try:
        await until(lambda: bool(ready))
        controller, surface, _services = ready[0]
        notice = surface.window.notice
        await until(notice.isVisible)
        text = notice.text.text()
        assert notice.text.isVisible()
        assert "Your AWS configuration cannot be used" in text
        assert str(config) in text and "line 1" in text

        config.write_text("[profile ops]\nregion = eu-west-1\n", encoding="utf-8")
        assert controller.profile_names() == ["ops"]  # fixed: read again, listed again
    finally:
        app.quit()
        assert await asyncio.wait_for(running, 30) == 0


def non_utf8_config(home: Path) -> None:
    (home / ".aws" / "config").write_bytes(b"\xff\xfe not UTF-8 \x00\x01")


def bom_and_duplicates(home: Path) -> None:
    (home / ".aws" / "config").write_text(
        "\ufeff[profile a]\nregion = eu-west-1\n[profile a]\nregion = eu-west-1\n",
        encoding="utf-8",
    )


def config_is_a_directory(home: Path) -> None:
    (home / ".aws" / "config").mkdir()


def config_is_a_fifo(home: Path) -> None:
    os.mkfifo(home / ".aws" / "config")


def corrupt_sso_cache(home: Path) -> None:
    (home / ".aws" / "config").write_text(
        "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\n"
        "sso_role_name = Ops\n[sso-session corp]\n"
        "sso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
        encoding="utf-8",
    )
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    key = hashlib.sha1(b"corp").hexdigest()  # botocore's cache key for sso-session corp
    (cache / f"{key}.json").write_bytes(b"{not json")


def binary_settings(home: Path) -> None:
    folder = home / ".config" / "ssmgui"
    folder.mkdir(parents=True)
    (folder / "settings.json").write_bytes(bytes(range(256)))


def unwritable_log_folder(home: Path) -> None:
    (home / ".local" / "state").mkdir(parents=True)
    (home / ".local" / "state" / "ssmgui").write_text("a file where the log folder goes")


BAD_STARTS = [non_utf8_config, bom_and_duplicates, config_is_a_directory, config_is_a_fifo,
              corrupt_sso_cache, binary_settings, unwritable_log_folder]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("spoil", BAD_STARTS, ids=lambda spoil: spoil.__name__)
def test_the_app_process_keeps_running_and_quits_cleanly(
    spoil: Callable[[Path], None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real app in a process of its own: still running after 3 s, out within 30 s of
    SIGTERM with code 0, and no traceback anywhere."""
    private_home(tmp_path, monkeypatch)
    spoil(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-m", "ssmgui"],
        env=os.environ | {"QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3.0)
        assert child.poll() is None, child.communicate()[1]
        child.send_signal(signal.SIGTERM)
        _out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, err
    assert "Traceback" not in err
