"""A first run without any AWS configuration (issue 17 item 6): the window said "Looking
for instances…" forever. Now it names the files botocore reads (where AWS_CONFIG_FILE and
AWS_SHARED_CREDENTIALS_FILE point) and the next steps, and a Refresh after a profile was
added finds it. The app is composed as `ssmgui` composes it; the person's Refresh is a
click on the button the help shows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import botocore.session
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ssmgui.app import main
from ssmgui.app.services import AppServices
from ssmgui.ui.controller import AppController
from ssmgui.ui.main_surface import MainSurface
from tests.app.test_bad_configuration import private_home
from tests.app.test_gui_demo import until


@pytest.mark.slow
async def test_no_aws_files_shows_what_to_do_and_refresh_finds_a_new_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_home(tmp_path, monkeypatch)
    (tmp_path / ".aws").rmdir()  # no ~/.aws at all
    config = tmp_path / "elsewhere" / "aws-config"
    credentials = tmp_path / "elsewhere" / "aws-credentials"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    core = botocore.session.Session()
    assert Path(core.get_config_variable("config_file")) == config  # botocore reads these
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
        window = surface.window
        await until(window.first_run.isVisible)
        text = window.first_run.text.text()
        assert "No AWS profiles found" in text
        assert f"{config}</code> (not found)" in text
        assert f"{credentials}</code> (not found)" in text
        for step in ("aws configure</code>", "aws configure sso</code>", "ssmgui --demo"):
            assert step in text
        assert not window.table.isVisible() and not window.regions.isVisible()
        await until(lambda: not controller.refreshing)
        window.grab().save(str(tmp_path / "first_run.png"))

        config.parent.mkdir()
        config.write_text("[profile ops]\nregion = eu-west-1\n", encoding="utf-8")
        button = window.first_run.refresh_button
        QTest.mouseClick(button, Qt.MouseButton.LeftButton, pos=button.rect().center())
        await until(lambda: not window.first_run.isVisible())
        assert window.table.isVisible() and window.regions.isVisible()
        assert controller.profile_names() == ["ops"]
    finally:
        app.quit()
        assert await asyncio.wait_for(running, 30) == 0
