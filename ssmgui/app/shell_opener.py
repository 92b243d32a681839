"""The composition of "Open shell": the controller's `open_shell` and `ssh_ready`.

The terminal runs `ssmgui [--demo] shell <id> --profile P --region R` with this
installation's executable (`services/launch/shell_launch.py`): the demo's terminal runs the
tray's demo world, and a real one takes its credentials from the keyring's MFA session the
tray signed in. Without a usable keyring the terminal asks for the MFA code itself; the
launched terminal's note says so, and the controller shows that note once per run.
"""

from __future__ import annotations

from pathlib import Path

from ssmgui.app.services import AppServices
from ssmgui.core.instance import Instance
from ssmgui.core.settings import Settings
from ssmgui.services.launch.shell_launch import (
    MEMORY_ONLY_NOTE,
    known_ssh_setup,
    shell_argv,
    ssmgui_executable,
)
from ssmgui.ui.controller import ShellOpener
from ssmgui.ui.tunnel_clients import ClientRun


def shell_opener(services: AppServices) -> ShellOpener:
    """Opens the person's terminal running `ssmgui shell` on an instance."""
    demo = services.demo is not None
    executable = ssmgui_executable()

    async def open_shell(instance: Instance) -> ClientRun:
        where = (instance.instance_id, instance.profile, instance.region)
        command = shell_argv(executable, *where, demo=demo)
        launched = await services.launcher.open_shell(command, services.settings.current)
        if not demo and not _keyring_shared(services):
            launched.note = f"{launched.note} {MEMORY_ONLY_NOTE}".strip()
        return launched

    return open_shell


def _keyring_shared(services: AppServices) -> bool:
    """Whether a shell's own process can read the MFA sessions this app keeps."""
    return services.secrets is not None and services.secrets.persistent


def ssh_ready(settings: Settings) -> bool:
    """`known_ssh_setup` in the person's home folder."""
    return known_ssh_setup(settings, Path.home())
