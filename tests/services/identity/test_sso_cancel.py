"""A person's Cancel ends an interactive IAM Identity Center sign-in, browser or device
code, within a moment, and the UI is told the sign-in ended however it ended."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.sso_login import SignInUi, SsoSignIn
from ssmgui.services.identity.sso_oidc import SsoSignInError
from tests.services.identity.conftest import ONE_ATTEMPT
from tests.services.identity.sso_fixtures import SsoSetup, sso_fixture  # noqa: F401


class _Person:
    """Opens nothing (the browser never comes back; the code is never confirmed)."""

    def __init__(self) -> None:
        self.cancel = threading.Event()
        self.told: list[str] = []
        self.ended = 0

    def ui(self) -> SignInUi:
        def done() -> None:
            self.ended += 1

        return SignInUi(
            open_browser=lambda _url: True,
            tell=self.told.append,
            cancelled=self.cancel.is_set,
            done=done,
        )


def _signer(sso: SsoSetup, person: _Person, cache: Path) -> SsoSignIn:
    return SsoSignIn(
        AwsClients(config=ONE_ATTEMPT, endpoint_url=sso.world.fake.url),
        cache,
        sso.clock,
        person.ui(),
        sleep=lambda seconds: time.sleep(min(seconds, 0.1)),  # real waits, kept short
        browser_time_limit=60,
    )


@pytest.mark.parametrize("name", ["corp", "legacy"])  # browser; device code (legacy)
def test_cancel_ends_the_wait_for_the_person(sso: SsoSetup, tmp_path: Path, name: str) -> None:
    person = _Person()
    signer = _signer(sso, person, tmp_path / "cache")
    session = sso.session(name)
    failed: list[BaseException] = []

    def sign_in() -> None:
        try:
            signer.sign_in(session)
        except SsoSignInError as exc:
            failed.append(exc)

    worker = threading.Thread(target=sign_in)
    worker.start()
    deadline = time.monotonic() + 10
    while not person.told and time.monotonic() < deadline:
        time.sleep(0.02)
    assert person.told  # the address (and the code) were shown
    cancelled_at = time.monotonic()
    person.cancel.set()
    worker.join(5)
    assert not worker.is_alive() and time.monotonic() - cancelled_at < 1.0
    assert [str(exc) for exc in failed] == [f"The sign-in to '{name}' was cancelled."]
    assert person.ended == 1 and signer.cached(session) is None
