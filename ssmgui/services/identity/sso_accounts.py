"""Every account and role a signed-in IAM Identity Center user has, and role credentials
for any (account, role) pair — without a profile for it in ~/.aws/config.

`SsoDirectory` lists through the portal (`sso:ListAccounts`, `sso:ListAccountRoles`, every
page) with the session's token from `SsoSignIn.token` (cached or silently refreshed; never
a browser: the caller decides when to sign in). One account refusing to list its roles is
reported for that account only (`AccountRoles.problem`). Role credentials
(`sso:GetRoleCredentials`) are kept in memory per (session, account, role) and fetched
again when less than `RENEW_BEFORE` is left. A portal that no longer accepts the token is
`SsoLoginRequiredError` for the session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ssmgui.core.credentials import TemporaryCredentials
from ssmgui.core.errors import ConfigurationError, SsmGuiError, SsoLoginRequiredError
from ssmgui.services.aws import errors as aws_errors
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.sso_login import SsoSignIn, login_required
from ssmgui.services.identity.sso_sessions import SsoSession

if TYPE_CHECKING:
    from mypy_boto3_sso import SSOClient

#: Role credentials are fetched again when less than this is left (as botocore does for
#: its own refreshable credentials: 15 minutes advisory, here a little less eager).
RENEW_BEFORE = timedelta(minutes=10)


@dataclass(frozen=True)
class SsoAccount:
    account_id: str
    name: str
    email: str = ""


@dataclass(frozen=True)
class AccountRoles:
    """An account and the user's roles in it, or why they could not be listed."""

    account: SsoAccount
    roles: tuple[str, ...] = ()
    problem: SsmGuiError | None = None


@dataclass(frozen=True)
class RolePair:
    """An (account, role) of one SSO session: what the GUI and `ssmgui list` reach."""

    session: SsoSession
    account_id: str
    role_name: str
    account_name: str = ""

    @property
    def label(self) -> str:
        """How it appears where a profile name would: `corp:demo-sandbox/Dev`."""
        return f"{self.session.label}:{self.account_name or self.account_id}/{self.role_name}"


class SsoDirectory:
    """Accounts, roles and role credentials for SSO sessions signed in through `sign_in`."""

    def __init__(
        self, sign_in: SsoSignIn, clients: AwsClients, clock: Callable[[], datetime]
    ) -> None:
        self._sign_in = sign_in
        self._clients = clients
        self._clock = clock
        self._kept: dict[tuple[str, str, str], TemporaryCredentials] = {}
        self._lock = threading.Lock()

    def accounts(self, session: SsoSession) -> list[SsoAccount]:
        """Every account of the signed-in user, all pages."""
        rows = self._pages(session, "list accounts", "list_accounts", "accountList")
        return [
            SsoAccount(row["accountId"], row.get("accountName", ""), row.get("emailAddress", ""))
            for row in rows
        ]

    def roles(self, session: SsoSession, account_id: str) -> list[str]:
        """The user's roles in `account_id`, all pages."""
        rows = self._pages(
            session,
            f"list roles in account {account_id}",
            "list_account_roles",
            "roleList",
            accountId=account_id,
        )
        return [row["roleName"] for row in rows]

    def everything(self, session: SsoSession) -> list[AccountRoles]:
        """Each account with its roles; an account that refuses carries its problem."""
        found = []
        for account in self.accounts(session):
            try:
                found.append(AccountRoles(account, tuple(self.roles(session, account.account_id))))
            except SsmGuiError as exc:
                if isinstance(exc, SsoLoginRequiredError):
                    raise
                found.append(AccountRoles(account, problem=exc))
        return found

    def pair(self, session: SsoSession, account: str, role: str) -> RolePair:
        """The pair for `account` (an id or a name) and `role`; ConfigurationError saying
        what there is when the user has no such account or role."""
        accounts = self.accounts(session)
        match = [a for a in accounts if account in (a.account_id, a.name)]
        if not match:
            names = ", ".join(f"{a.name} ({a.account_id})" for a in accounts) or "none"
            raise ConfigurationError(
                f"SSO session '{session.label}' has no account '{account}'. Its accounts: {names}."
            )
        chosen = match[0]
        roles = self.roles(session, chosen.account_id)
        if role not in roles:
            raise ConfigurationError(
                f"You have no role '{role}' in account {chosen.name} ({chosen.account_id}) "
                f"through '{session.label}'. Your roles there: {', '.join(roles) or 'none'}."
            )
        return RolePair(session, chosen.account_id, role, chosen.name)

    def credentials(self, pair: RolePair) -> TemporaryCredentials:
        """The pair's role credentials, kept and renewed before they run out."""
        key = (pair.session.cache_key, pair.account_id, pair.role_name)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept.remaining(self._clock()) > RENEW_BEFORE:
            return kept
        answer = self._portal_call(
            pair.session,
            f"get credentials for {pair.label}",
            "get_role_credentials",
            accountId=pair.account_id,
            roleName=pair.role_name,
        )["roleCredentials"]
        fresh = TemporaryCredentials(
            access_key_id=answer["accessKeyId"],
            secret_access_key=answer["secretAccessKey"],
            session_token=answer["sessionToken"],
            expiration=datetime.fromtimestamp(answer["expiration"] / 1000, UTC),
        )
        with self._lock:
            self._kept[key] = fresh
        return fresh

    def _pages(
        self, session: SsoSession, what: str, operation: str, rows: str, **params: str
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in self._paged(session, what, operation, **params):
            found += page.get(rows, [])
        return found

    def _paged(
        self, session: SsoSession, what: str, operation: str, **params: str
    ) -> Iterator[dict[str, Any]]:
        next_token: str | None = None
        while True:
            extra = {"nextToken": next_token} if next_token else {}
            page = self._portal_call(session, what, operation, **params, **extra)
            yield page
            next_token = page.get("nextToken")
            if not next_token:
                return

    def _portal_call(
        self, session: SsoSession, what: str, operation: str, **params: str
    ) -> dict[str, Any]:
        token = self._sign_in.token(session).access_token
        client: SSOClient = self._clients.sso(session.region)
        with aws_errors.translated(session.label, what):
            try:
                answer: dict[str, Any] = getattr(client, operation)(accessToken=token, **params)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "UnauthorizedException":
                    raise login_required(session) from None
                raise
        return answer
