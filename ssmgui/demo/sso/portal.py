"""The fake SSO portal (`sso` in botocore): the signed-in user's accounts and roles, and
role credentials for each (account, role) assignment. Pure logic; `server.py` serves it.

Every call carries the OIDC access token in `x-amz-sso_bearer_token`; an unknown or
expired one is `UnauthorizedException` (HTTP 401), as the real portal answers. Lists come
in pages of `page_size` (the caller's `max_result` when smaller) with an opaque
`nextToken`. Accounts in `refused_accounts` answer ListAccountRoles and GetRoleCredentials
with `ForbiddenException`, so one account's refusal can be shown on its own.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from ssmgui.demo.sso.organisation import SsoAccount

CredentialListener = Callable[[str, str], None]  # (access key id, secret access key)
_KEY_ALPHABET = string.ascii_uppercase + string.digits


class PortalError(Exception):
    def __init__(self, kind: str, message: str, status: int) -> None:
        super().__init__(message)
        self.kind, self.message, self.status = kind, message, status


class Portal:
    """`valid_token(token)` says whether OIDC issued a live access token."""

    def __init__(
        self,
        accounts: Sequence[SsoAccount],
        valid_token: Callable[[str], bool],
        clock: Callable[[], datetime],
        *,
        page_size: int = 2,
        credential_lifetime: timedelta = timedelta(hours=1),
    ) -> None:
        self.accounts = list(accounts)
        self._valid_token = valid_token
        self._clock = clock
        self.page_size = page_size
        self.credential_lifetime = credential_lifetime
        self.refused_accounts: set[str] = set()
        self.issued: dict[str, tuple[str, str]] = {}  # key id → (account, role)
        self._listeners: list[CredentialListener] = []

    def subscribe(self, listener: CredentialListener) -> None:
        """`listener(key id, secret)` for every role credential issued from now on."""
        self._listeners.append(listener)

    def list_accounts(self, token: str, query: Mapping[str, str]) -> dict[str, object]:
        self._check(token)
        rows = [
            {"accountId": a.account_id, "accountName": a.name, "emailAddress": a.email}
            for a in self.accounts
        ]
        page, next_token = self._page(rows, query)
        return {"accountList": page, **next_token}

    def list_account_roles(self, token: str, query: Mapping[str, str]) -> dict[str, object]:
        self._check(token)
        account = self._account(query)
        rows = [{"roleName": role, "accountId": account.account_id} for role in account.roles]
        page, next_token = self._page(rows, query)
        return {"roleList": page, **next_token}

    def role_credentials(self, token: str, query: Mapping[str, str]) -> dict[str, object]:
        self._check(token)
        account = self._account(query)
        role = query.get("role_name", "")
        if role not in account.roles:
            raise PortalError("ResourceNotFoundException", "No access", 404)
        key_id = "ASIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
        secret = secrets.token_urlsafe(30)[:40]
        expires = self._clock().replace(microsecond=0) + self.credential_lifetime
        self.issued[key_id] = (account.account_id, role)
        for listener in list(self._listeners):
            listener(key_id, secret)
        return {
            "roleCredentials": {
                "accessKeyId": key_id,
                "secretAccessKey": secret,
                "sessionToken": secrets.token_urlsafe(480),
                "expiration": int(expires.timestamp() * 1000),
            }
        }

    def _check(self, token: str) -> None:
        if not self._valid_token(token):
            raise PortalError("UnauthorizedException", "Session token not found or invalid", 401)

    def _account(self, query: Mapping[str, str]) -> SsoAccount:
        wanted = query.get("account_id", "")
        for account in self.accounts:
            if account.account_id == wanted:
                if wanted in self.refused_accounts:
                    raise PortalError("ForbiddenException", "No access", 403)
                return account
        raise PortalError("ResourceNotFoundException", "No access", 404)

    def _page(
        self, rows: list[dict[str, str]], query: Mapping[str, str]
    ) -> tuple[list[dict[str, str]], dict[str, str]]:
        size = self.page_size
        if (asked := query.get("max_result", "")).isdigit() and int(asked) > 0:
            size = min(size, int(asked))
        start = _offset(query.get("next_token"))
        page = rows[start : start + size]
        more = start + size < len(rows)
        return page, ({"nextToken": f"page-{start + size}"} if more else {})


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    if token.startswith("page-") and token[5:].isdigit():
        return int(token[5:])
    raise PortalError("InvalidRequestException", "Invalid nextToken", 400)
