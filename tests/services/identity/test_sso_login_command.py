"""`ssmgui login <sso-session> [--device-code]` as a user runs it: a real process whose
browser ($BROWSER, as `webbrowser` honours it) is a small script that visits the page and,
for a device code, answers the form — against the fake IAM Identity Center on loopback.
The token reaches the AWS CLI's cache and never the terminal."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services.identity.sso_fixtures import write_config
from tests.sso_world import SsoWorld, running_sso

BROWSER_SCRIPT = """
import sys, urllib.parse, urllib.request
url = sys.argv[1]
if "/device?user_code=" in url:
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["user_code"][0]
    base = url.split("/device?")[0]
    form = urllib.parse.urlencode({"user_code": code, "decision": sys.argv[2]}).encode()
    urllib.request.urlopen(base + "/device/decide", form, timeout=10).read()
else:
    urllib.request.urlopen(url, timeout=10).read()
"""


@pytest.fixture(name="world")
def world_fixture() -> Iterator[SsoWorld]:
    with running_sso() as world:
        yield world


def _login(
    world: SsoWorld, home: Path, *extra: str, decision: str = "allow"
) -> subprocess.CompletedProcess[str]:
    config = home / ".aws" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    write_config(config, world.fake.url, world.fake.start_url)
    browser = home / "browser.py"
    browser.write_text(BROWSER_SCRIPT)
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_ENDPOINT_URL=world.fake.url,
        BROWSER=f"{sys.executable} {browser} %s {decision}",
    )
    return subprocess.run(
        [sys.executable, "-m", "ssmgui", "login", "corp", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _cached(home: Path) -> dict[str, str]:
    path = home / ".aws" / "sso" / "cache" / f"{hashlib.sha1(b'corp').hexdigest()}.json"
    data: dict[str, str] = json.loads(path.read_text())
    return data


@pytest.mark.slow
def test_login_signs_in_through_the_browser(world: SsoWorld, tmp_path: Path) -> None:
    done = _login(world, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Signed in to IAM Identity Center (session 'corp'" in done.stdout
    assert "in your browser" in done.stderr and "/authorize?" in done.stderr
    token = _cached(tmp_path)
    assert token["accessToken"] not in done.stdout + done.stderr
    assert token["refreshToken"] not in done.stdout + done.stderr
    assert world.call(lambda: world.fake.oidc.grants) == {"authorization_code": 1}


@pytest.mark.slow
def test_login_with_a_device_code(world: SsoWorld, tmp_path: Path) -> None:
    done = _login(world, tmp_path, "--device-code")
    assert done.returncode == 0, done.stderr
    assert "confirm the code" in done.stderr
    assert _cached(tmp_path)["accessToken"] not in done.stdout + done.stderr


@pytest.mark.slow
def test_a_denied_login_says_what_to_do_without_a_traceback(
    world: SsoWorld, tmp_path: Path
) -> None:
    done = _login(world, tmp_path, "--device-code", decision="deny")
    assert done.returncode != 0
    assert "ssmgui: The sign-in to 'corp' was denied" in done.stderr
    assert "Traceback" not in done.stderr
