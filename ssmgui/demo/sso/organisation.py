"""The demo's IAM Identity Center organisation: accounts, and the roles a user has in each.

Small on purpose, yet more than one page of accounts and of roles at the portal's default
page size (`server.PAGE_SIZE`), so pagination is always exercised.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SsoAccount:
    """An AWS account the signed-in user is assigned to, and their roles in it."""

    account_id: str
    name: str
    email: str
    roles: tuple[str, ...]


def demo_organisation() -> tuple[SsoAccount, ...]:
    """Four accounts, three roles in most (one account refuses to list its roles: the
    portal's AccessDenied for one account only)."""
    return (
        SsoAccount("111111111111", "demo-sandbox", "sandbox@example.com", ("Admin", "Dev", "Read")),
        SsoAccount("222222222222", "demo-staging", "staging@example.com", ("Dev", "Read")),
        SsoAccount("333333333333", "demo-production", "prod@example.com", ("Ops", "Read", "Audit")),
        SsoAccount("444444444444", "demo-security", "security@example.com", ("Audit",)),
    )
