"""Warnings before a sign-in runs out, so the prompt comes before tunnels fail.

`ExpiryMonitor.due()` lists the profiles whose MFA session or SSO token ends within the
configured `warn_before` (default 10 minutes); each expiry is reported once. `run()` polls
it from asyncio and hands each warning to a callback (the tray shows it, the CLI prints).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from ssmgui.core.credentials import warning_due
from ssmgui.core.errors import SsmGuiError
from ssmgui.services.identity.service import IdentityService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExpiryWarning:
    """`profile_name`'s sign-in ends at `expires_at`: ask the person before then."""

    profile_name: str
    expires_at: datetime


class ExpiryMonitor:
    """Watches the expiry of the given profiles' sign-ins."""

    def __init__(
        self,
        identity: IdentityService,
        profile_names: Callable[[], Iterable[str]],
        clock: Callable[[], datetime],
        expires_at: Callable[[str], datetime | None] | None = None,
    ) -> None:
        """`expires_at`: when a name's sign-in ends (default: the identity service's, which
        knows profiles only; the GUI gives the facade's, which knows the IAM Identity Center
        (account, role) pairs chosen in Settings too)."""
        self._identity = identity
        self._expires_at = expires_at or identity.expires_at
        self._profile_names = profile_names
        self._clock = clock
        self._reported: set[tuple[str, datetime]] = set()

    def due(self) -> list[ExpiryWarning]:
        """New warnings now: each (profile, expiry) pair is reported once."""
        now = self._clock()
        warn_before = self._identity.settings.warn_before
        warnings = []
        for name in self._profile_names():
            try:
                expires_at = self._expires_at(name)
            except SsmGuiError as exc:  # an unreadable file, a broken chain: told elsewhere
                log.debug("no expiry for %s: %s", name, exc.user_message)
                continue
            if expires_at is None or not warning_due(expires_at, now, warn_before):
                continue
            if (name, expires_at) not in self._reported:
                self._reported.add((name, expires_at))
                warnings.append(ExpiryWarning(name, expires_at))
        return warnings

    async def run(
        self, on_warning: Callable[[ExpiryWarning], None], interval_seconds: float = 30.0
    ) -> None:
        """Poll until cancelled, calling `on_warning` for each new warning."""
        while True:
            for warning in await asyncio.to_thread(self.due):
                on_warning(warning)
            await asyncio.sleep(interval_seconds)
