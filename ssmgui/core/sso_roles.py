"""(account, role) pairs of an IAM Identity Center sign-in that the person chose to list
as if they were profiles (Settings → IAM Identity Center), and how they are named.

A choice is kept in the settings as one line, `SESSION/ACCOUNT_ID/ROLE/ACCOUNT NAME`: the
sso-session's name, the 12-digit account id and the role name hold no `/`; the account's
name, last, may. Where a profile name would appear, it reads `SESSION:ACCOUNT NAME/ROLE`
(`label`), e.g. `corp:demo-sandbox/Dev` — the account name is what people know.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ChosenRole:
    session: str
    account_id: str
    role: str
    account_name: str = ""

    @property
    def label(self) -> str:
        """How it appears where a profile name would (the filter matches it too)."""
        return f"{self.session}:{self.account_name or self.account_id}/{self.role}"

    @property
    def key(self) -> str:
        """Its line in the settings."""
        return f"{self.session}/{self.account_id}/{self.role}/{self.account_name}"

    @classmethod
    def from_key(cls, key: str) -> ChosenRole | None:
        """The choice a settings line names; None for a line that names none."""
        parts = key.split("/", 3)
        if len(parts) != 4 or not all(parts[:3]):  # the four fields
            return None
        return cls(*parts)


def chosen_roles(keys: Iterable[str]) -> list[ChosenRole]:
    """The choices the settings lines name, in order, each once."""
    found = (ChosenRole.from_key(key) for key in keys)
    return list(dict.fromkeys(role for role in found if role is not None))


def label_parts(label: str) -> tuple[str, str, str] | None:
    """(session, account name, role) of a pair's `label` (`corp:demo-sandbox/Dev`); None
    when the name is not shaped like one (a profile's). The account name may hold a `/`:
    the role, which cannot, is after the last."""
    session, colon, rest = label.partition(":")
    account, slash, role = rest.rpartition("/")
    if not (colon and slash and session and account and role):
        return None
    return session, account, role
