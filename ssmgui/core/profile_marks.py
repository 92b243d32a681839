"""Which account am I in: the pure rules for profile marks and account labels.

A profile may carry a colour (a "mark") so that a production account never looks like a test
one. The colours chosen in the settings win; a profile with no choice is marked red when its
name looks like production (`prod`, `production`, `prd` or `live` as a word of the name), and
an explicit "" unmarks even such a profile. Labels name the profile and, when known, the
account (its alias, else its id), so a tunnel, favourite or notification says where it goes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: The colour a production-looking profile gets unless the settings say otherwise.
PRODUCTION_COLOUR = "#d32f2f"
#: The colours offered in the settings, by name; "" is "no mark".
MARK_COLOURS: tuple[tuple[str, str], ...] = (
    ("No colour", ""),
    ("Red", PRODUCTION_COLOUR),
    ("Orange", "#ef6c00"),
    ("Yellow", "#f9a825"),
    ("Green", "#2e7d32"),
    ("Blue", "#1565c0"),
    ("Purple", "#6a1b9a"),
)
# A word of a profile name: what lies between separators or the ends (letters and digits).
_PRODUCTION_WORD = re.compile(r"(?<![a-z0-9])(?:prod|production|prd|live)(?![a-z0-9])")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def looks_like_production(profile: str) -> bool:
    """True when `prod`, `production`, `prd` or `live` is a word of the name:
    "demo-prod", "prd_eu", "Live" yes; "product", "prodigy", "delivery" no."""
    return _PRODUCTION_WORD.search(profile.lower()) is not None


def valid_colour(text: str) -> str:
    """`text` if it is "" or a "#rrggbb" colour; else ValueError (for the settings parser)."""
    if text and not _COLOUR.fullmatch(text):
        raise ValueError(text)
    return text


def mark_colour(profile: str, chosen: Mapping[str, str]) -> str:
    """The profile's colour, "#rrggbb", or "" when it is not marked."""
    if profile in chosen:
        return chosen[profile]
    return PRODUCTION_COLOUR if looks_like_production(profile) else ""


def is_marked(profile: str, chosen: Mapping[str, str]) -> bool:
    return bool(mark_colour(profile, chosen))


def account_text(account: str, alias: str = "") -> str:
    """The account as people know it: its alias, else its id; "" when neither is known."""
    return alias or account


def profile_label(profile: str, account: str = "", alias: str = "") -> str:
    """The profile and its account: "demo-prod (111111111111)", "prod (acme-prod)", "dev"."""
    known = account_text(account, alias)
    return f"{profile} ({known})" if known else profile


def tunnel_label(kind: str, target: str, profile: str, account: str = "", alias: str = "") -> str:
    """A tunnel's title: what, to where, in which account ("RDP demo-rdp — demo-prod (1111…)")."""
    return f"{kind.upper()} {target} — {profile_label(profile, account, alias)}"


def favourite_label(name: str, profile: str, account: str = "", alias: str = "") -> str:
    """A favourite's title with its account, unless its name already says the profile.
    A name that ends with "(profile)" (the one a second profile's favourite is given)
    reads as the others do, "SSH web — prod (1111)", not "SSH web (prod) (1111)"."""
    suffix = f" ({profile})"
    if profile and name.endswith(suffix):
        return f"{name.removesuffix(suffix)} — {profile_label(profile, account, alias)}"
    if profile and profile in name:
        known = account_text(account, alias)
        return f"{name} ({known})" if known and known not in name else name
    return f"{name} — {profile_label(profile, account, alias)}"


@dataclass(frozen=True)
class ConnectQuestion:
    """What to ask before connecting to a marked profile; `text` is the whole question."""

    profile: str
    account: str
    target: str

    @property
    def title(self) -> str:
        return f"Connect to {self.profile}?"

    @property
    def text(self) -> str:
        where = f"{self.profile} (account {self.account})" if self.account else self.profile
        return f"You are about to connect to {where}: {self.target}."
