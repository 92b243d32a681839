"""What a person chose for one instance, remembered in the settings.

A choice is keyed by (profile, region, instance id): the same id in another account or
region is another machine. An empty choice (`InstanceChoice()`) means "as the settings
say" and is not stored. Key files are remembered by key pair name: one .pem serves every
instance launched with that key pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ssmgui.core.tunnel import TunnelKind

#: The kinds a double-click can open (a custom port needs its number asked); SHELL is a
#: Session Manager shell in a terminal, no tunnel.
CHOOSABLE_ACTIONS = (
    TunnelKind.RDP, TunnelKind.SSH, TunnelKind.HTTP, TunnelKind.HTTPS, TunnelKind.SHELL,
)  # fmt: skip


@dataclass(frozen=True)
class InstanceChoice:
    """`action`: what a double-click opens (None: the tag or the platform's default);
    `ssh_user`: who SSH logs in as ("": the settings' `ssh_user`)."""

    action: TunnelKind | None = None
    ssh_user: str = ""

    @property
    def empty(self) -> bool:
        return self.action is None and not self.ssh_user


def choice_key(profile: str, region: str, instance_id: str) -> str:
    """How a choice is filed in the settings file: "profile/region/instance-id"."""
    return f"{profile}/{region}/{instance_id}"


def with_choice(
    choices: Mapping[str, InstanceChoice], key: str, choice: InstanceChoice
) -> dict[str, InstanceChoice]:
    """`choices` with `key` set to `choice` (removed when the choice is empty)."""
    updated = dict(choices)
    if choice.empty:
        updated.pop(key, None)
    else:
        updated[key] = choice
    return updated


def choice_to_dict(choice: InstanceChoice) -> dict[str, str]:
    return {"action": str(choice.action or ""), "ssh_user": choice.ssh_user}


def choice_from_dict(value: Any) -> InstanceChoice:
    """The inverse of `choice_to_dict`; TypeError/ValueError on anything else."""
    if not isinstance(value, dict):
        raise TypeError(value)
    action, user = value.get("action") or "", value.get("ssh_user") or ""
    if not isinstance(action, str) or not isinstance(user, str):
        raise TypeError(value)
    kind = TunnelKind(action) if action else None
    if kind is not None and kind not in CHOOSABLE_ACTIONS:
        raise ValueError(action)
    return InstanceChoice(kind, user.strip())


def choices_from_dict(value: Any) -> dict[str, InstanceChoice]:
    if not isinstance(value, dict):
        raise TypeError(value)
    return {str(key): choice_from_dict(item) for key, item in value.items()}


def key_files_from_dict(value: Any) -> dict[str, str]:
    """key pair name → path of its private key file."""
    if not isinstance(value, dict):
        raise TypeError(value)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise TypeError(value)
    return dict(value)
