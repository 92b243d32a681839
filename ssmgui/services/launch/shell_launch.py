"""What "Open shell" runs in the person's terminal: `ssmgui shell <id> --profile P --region R`.

The command is THIS installation's executable (the frozen app, or `python -m ssmgui` with
this very interpreter), so the terminal runs the same ssmgui as the tray. It carries the
instance, profile and region only: `ssmgui shell` takes its credentials from the MFA
session the GUI keeps in the OS keyring, and asks for a code on its own terminal when
there is none (a memory-only run, the demo). Nothing secret is ever in the argv or in the
environment handed to the terminal.

`known_ssh_setup` decides whether a double-click on a Linux instance should try ssh at all
(`ssmgui.core.launch.default_action`'s `ssh_ready`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from ssmgui.core.settings import Settings

#: OpenSSH's default identity files (ssh(1), -i): any of them means ssh has a key to offer.
DEFAULT_IDENTITIES = (
    "id_ed25519",
    "id_ecdsa",
    "id_rsa",
    "id_ed25519_sk",
    "id_ecdsa_sk",
    "id_dsa",
)

MEMORY_ONLY_NOTE = (
    "The shell opens in its own terminal and asks there for your MFA code: with no OS "
    "keyring, the sign-in this window holds cannot be shared with it."
)


def ssmgui_executable(*, frozen: bool | None = None, executable: str | None = None) -> list[str]:
    """How to run this installation's ssmgui: the frozen app itself, or this interpreter
    with `-m ssmgui` (the pattern of `ssmgui.broker.client.helper_command`)."""
    frozen = getattr(sys, "frozen", False) if frozen is None else frozen
    executable = executable or sys.executable
    return [executable] if frozen else [executable, "-m", "ssmgui"]


def shell_argv(
    ssmgui: Sequence[str], instance_id: str, profile: str, region: str, *, demo: bool = False
) -> list[str]:
    """`ssmgui [--demo] shell <instance_id> --profile P --region R`: no secret, ever.

    `--demo` makes the terminal's ssmgui run the tray's demo world (`cli/demo_world.py`:
    the same profiles and instance ids), so the GUI's demo instances are reachable there."""
    return [
        *ssmgui,
        *(["--demo"] if demo else []),
        "shell",
        instance_id,
        "--profile",
        profile,
        "--region",
        region,
    ]


def known_ssh_setup(settings: Settings, home: Path) -> bool:
    """Whether ssh has a way to log in that ssmgui knows of: a key in the settings, keys
    pushed with EC2 Instance Connect, one of OpenSSH's default keys in `home`/.ssh, or an
    `IdentityFile` line in `home`/.ssh/config. Without one, a double-click on a Linux
    instance opens a shell instead (ssh would only be refused)."""
    if settings.ssh_key_path or settings.ssh_push_key:
        return True
    ssh_dir = home / ".ssh"
    if any((ssh_dir / name).is_file() for name in DEFAULT_IDENTITIES):
        return True
    return _config_names_a_key(ssh_dir / "config")


def _config_names_a_key(config: Path) -> bool:
    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.strip().lower().startswith("identityfile") for line in text.splitlines())
