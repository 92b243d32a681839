"""The fake IAM Identity Center (ssmgui.demo.sso) served from a thread of its own, for
tests of synchronous code (botocore clients, the sign-in flows) over real loopback HTTP.

`running_sso(clock)` yields the started `FakeSso`; `call(fn)` runs `fn` on the fake's
event-loop thread (its state is the loop's), and `sso_clients(url)` makes botocore's own
`sso-oidc` and `sso` clients for it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import botocore.session
from botocore import UNSIGNED
from botocore.config import Config

from ssmgui.demo.sso.server import FakeSso

T = TypeVar("T")


@dataclass
class SsoWorld:
    fake: FakeSso
    loop: asyncio.AbstractEventLoop

    def call(self, fn: Callable[[], T]) -> T:
        """`fn()` on the fake's own thread: its state is never touched from two."""

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout=10)


@contextlib.contextmanager
def running_sso(
    clock: Callable[[], datetime] | None = None, *, token_lifetime: timedelta = timedelta(hours=8)
) -> Iterator[SsoWorld]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake SSO", daemon=True)
    thread.start()
    kwargs: dict[str, Any] = {"token_lifetime": token_lifetime}
    if clock is not None:
        kwargs["clock"] = clock
    fake = FakeSso(**kwargs)
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(timeout=10)
    try:
        yield SsoWorld(fake, loop)
    finally:
        with contextlib.suppress(concurrent.futures.TimeoutError):
            asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def sso_clients(url: str, region: str = "eu-west-1") -> tuple[Any, Any]:
    """botocore's (`sso-oidc`, `sso`) clients for the fake at `url`, unsigned as AWS's."""
    session = botocore.session.Session()
    config = Config(signature_version=UNSIGNED, retries={"max_attempts": 1})
    oidc = session.create_client("sso-oidc", region_name=region, endpoint_url=url, config=config)
    portal = session.create_client("sso", region_name=region, endpoint_url=url, config=config)
    return oidc, portal
