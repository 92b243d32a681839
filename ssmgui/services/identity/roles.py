"""Assume-role credentials for a chain of role profiles, renewed before they run out.

The first role is assumed with the base credentials (an MFA session, SSO role credentials,
or botocore's own credentials for the root profile); each further role with the one before.
The MFA session already proves MFA, so no second prompt and no SerialNumber are sent.

A chain costs one botocore session (whose service models load once) and one STS call per
role it has to assume: time grows in a straight line with the chain's length.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import botocore.session

from ssmgui.core.credentials import TemporaryCredentials
from ssmgui.core.profile import Profile
from ssmgui.services.aws import errors as aws_errors
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.mfa_sessions import from_sts

#: Re-assume a role with less than this left (botocore's advisory refresh window).
RENEW_BEFORE = timedelta(minutes=15)
DEFAULT_ROLE_SECONDS = 3600


class RoleCredentials:
    """Role credentials by role profile name, cached in memory only (they are cheap to renew)."""

    def __init__(self, clients: AwsClients, clock: Callable[[], datetime]) -> None:
        self._clients = clients
        self._clock = clock
        self._cache: dict[tuple[str, str | None], TemporaryCredentials] = {}
        self._lock = threading.Lock()

    def assume_chain(
        self,
        roles: tuple[Profile, ...],
        root: Profile,
        base: TemporaryCredentials | None,
    ) -> TemporaryCredentials:
        """Credentials for the last of `roles` (ordered root side first).

        `base` None means the root profile's own credentials, as botocore resolves them.
        """
        core = self._clients.core_session(root.name)
        where = aws_errors.config_file(core)
        current = base
        for role in roles:
            current = self._assume(core, where, role, root, current)
        assert current is not None, "assume_chain needs at least one role"
        return current

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()

    def _assume(
        self,
        core: botocore.session.Session,
        where: str,
        role: Profile,
        root: Profile,
        base: TemporaryCredentials | None,
    ) -> TemporaryCredentials:
        # Keyed by the base's access key too: a new MFA session means new role credentials.
        key = (role.name, base.access_key_id if base else None)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and cached.is_valid(self._clock(), RENEW_BEFORE):
            return cached
        request: dict[str, object] = {
            "RoleArn": role.role_arn,
            "RoleSessionName": role.role_session_name or _session_name(role.name),
            "DurationSeconds": role.duration_seconds or DEFAULT_ROLE_SECONDS,
        }
        if role.external_id:
            request["ExternalId"] = role.external_id
        with aws_errors.translated(role.name, _assuming(role), where):
            sts = self._clients.sts_with(core, role.region or root.region, base)
            response = sts.assume_role(**request)  # type: ignore[arg-type]
        fresh = from_sts(response["Credentials"])
        with self._lock:
            self._cache[key] = fresh
        return fresh


#: A role ARN as IAM writes them; anything else in role_arn is not quoted back.
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}")


def _assuming(role: Profile) -> str:
    """The action for messages. role_arn is quoted only when it is a role ARN: a value
    pasted there by mistake (a secret key, say) is never repeated."""
    if role.role_arn and _ROLE_ARN.fullmatch(role.role_arn):
        return f"assume role {role.role_arn}"
    return "assume the role in its role_arn"


def _session_name(profile_name: str) -> str:
    """A RoleSessionName (2-64 of [\\w+=,.@-]) that names the app and profile in CloudTrail."""
    return re.sub(r"[^\w+=,.@-]", "-", f"ssmgui-{profile_name}")[:64]
