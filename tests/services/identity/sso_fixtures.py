"""A signed-out user, the fake IAM Identity Center on loopback, and a scripted browser.

`Browser` is what `webbrowser` would open: it fetches the page over real HTTP and follows
the authorize redirect to our loopback receiver, as a browser does (urllib follows 302s).
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.sso_login import SignInUi, SsoSignIn
from ssmgui.services.identity.sso_sessions import SsoSession, find_sso_session
from tests.services.identity.conftest import ONE_ATTEMPT, FakeClock
from tests.sso_world import SsoWorld, running_sso


@dataclass
class Browser:
    """Visits each opened URL over HTTP, following redirects; records what it opened."""

    opened: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, url: str) -> bool:
        with self.lock:
            self.opened.append(url)
        with urllib.request.urlopen(url, timeout=10) as answer:  # loopback
            self.pages.append(answer.read().decode())
        return True


@dataclass
class SsoSetup:
    world: SsoWorld
    clock: FakeClock
    cache_dir: Path
    config_file: Path
    browser: Browser
    told: list[str]
    sleeps: list[float]

    def session(self, name: str = "corp") -> SsoSession:
        return find_sso_session(self.config_file, name)

    def sign_in(self, *, time_limit: float = 10.0) -> SsoSignIn:
        def sleep(seconds: float) -> None:  # the device flow's waits, on the fake clock
            self.sleeps.append(seconds)
            self.clock.advance(timedelta(seconds=seconds))

        return SsoSignIn(
            AwsClients(config=ONE_ATTEMPT, endpoint_url=self.world.fake.url),
            self.cache_dir,
            self.clock,
            SignInUi(open_browser=self.browser, tell=self.told.append),
            sleep=sleep,
            browser_time_limit=time_limit,
        )


def write_config(path: Path, url: str, start_url: str) -> None:
    path.write_text(
        "[sso-session corp]\n"
        f"sso_start_url = {start_url}\n"
        "sso_region = eu-west-1\n"
        "sso_registration_scopes = sso:account:access\n"
        "\n[sso-session noscopes]\n"
        f"sso_start_url = {start_url}\n"
        "sso_region = eu-west-1\n"
        "\n[profile dev]\n"
        "sso_session = corp\n"
        "sso_account_id = 111111111111\n"
        "sso_role_name = Dev\n"
        "region = eu-west-1\n"
        f"endpoint_url = {url}\n"
        "\n[profile legacy]\n"
        f"sso_start_url = {start_url}\n"
        "sso_region = eu-west-1\n"
        "sso_account_id = 222222222222\n"
        "sso_role_name = Read\n"
    )


@pytest.fixture(name="sso")
def sso_fixture(tmp_path: Path) -> Iterator[SsoSetup]:
    clock = FakeClock()
    with running_sso(clock) as world:
        config = tmp_path / "config"
        write_config(config, world.fake.url, world.fake.start_url)
        yield SsoSetup(world, clock, tmp_path / "sso" / "cache", config, Browser(), [], [])
