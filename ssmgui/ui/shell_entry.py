"""The "Open shell" entry as menus show it: its label per platform and why it is disabled.

A shell runs the account's default shell document (SSM-SessionManagerRunShell): sh/bash on
Linux and macOS, PowerShell on Windows — the agent picks it, ssmgui sends the same request.
"""

from __future__ import annotations

from ssmgui.core.instance import SHELL_MIN_AGENT, Instance, Platform
from ssmgui.ui.instance_model import status_text

SHELL_LABEL = "Open shell"


def shell_label(instance: Instance) -> str:
    """The entry's text, naming PowerShell on Windows (what the agent starts there)."""
    if instance.platform is Platform.WINDOWS:
        return f"{SHELL_LABEL} (PowerShell)"
    return SHELL_LABEL


def shell_problem(instance: Instance) -> str:
    """Why `instance` cannot open a shell now, in plain words; "" when it can."""
    if not instance.online:
        return (
            f"{instance.display_name} ({instance.instance_id}) is not connected to Session "
            f"Manager ({status_text(instance)}): a shell needs its SSM Agent online."
        )
    if not instance.supports_shell:
        needed = ".".join(str(part) for part in SHELL_MIN_AGENT)
        return (
            f"SSM Agent {instance.agent_version or '(unknown version)'} on "
            f"{instance.display_name} is too old for shells: they need {needed} or later."
        )
    return ""
