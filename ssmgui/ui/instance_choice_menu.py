"""The context menu's per-instance choices: "Default action ▸" and "SSH user…".

Both end in one call, `choose(instance, choice)`, which the controller keeps in the
settings by (profile, region, instance id). The SSH user dialog is opened with `open()`,
never `exec()` (a nested event loop would break qasync).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from ssmgui.core.instance import Instance
from ssmgui.core.instance_choices import CHOOSABLE_ACTIONS, InstanceChoice
from ssmgui.core.launch import ACTION_TAG, default_action, tagged_action
from ssmgui.core.settings import Settings
from ssmgui.core.tunnel import TunnelKind

Choose = Callable[[Instance, InstanceChoice], None]
ACTION_NAMES = {kind: kind.upper() for kind in CHOOSABLE_ACTIONS} | {TunnelKind.SHELL: "Shell"}
AUTOMATIC = "As the settings and tags say"


def add_choice_entries(
    menu: QMenu, instance: Instance, choice: InstanceChoice, ssh_default: str, choose: Choose
) -> None:
    """Add "Default action ▸" (the current one checked) and "SSH user…" to `menu`."""
    actions = menu.addMenu("Default action")
    group = QActionGroup(actions)
    options = [(AUTOMATIC, None), *((name, kind) for kind, name in ACTION_NAMES.items())]
    for text, kind in options:
        action = actions.addAction(text)
        action.setCheckable(True)
        action.setChecked(choice.action is kind)
        group.addAction(action)
        chosen = dataclasses.replace(choice, action=kind)
        action.triggered.connect(lambda _checked=False, c=chosen: choose(instance, c))
    user = choice.ssh_user or ssh_default
    ask = menu.addAction(f"SSH user… ({user})")
    parent = menu.parentWidget()
    ask.triggered.connect(lambda: ask_ssh_user(parent, instance, choice, ssh_default, choose))


def described_defaults(
    instance: Instance, choice: InstanceChoice, settings: Settings, *, ssh_ready: bool = True
) -> tuple[str, str]:
    """What a double-click opens and who SSH logs in as, each with why: the person's
    choice, the instance's tag, or the settings — or, for SSH without a known SSH setup
    (`ssh_ready` False), a shell (the details panel shows both)."""
    if choice.action is not None:
        opens = f"{_action_name(choice.action)} (your choice)"
    elif (tagged := tagged_action(dict(instance.tags))) is not None:
        opens = f"{_action_name(tagged)} (its {ACTION_TAG} tag)"
    else:
        usual = default_action(instance.platform.value, settings, ssh_ready=ssh_ready)
        no_ssh = usual is TunnelKind.SHELL and settings.linux_action is TunnelKind.SSH
        opens = f"{_action_name(usual)} ({'no SSH key found' if no_ssh else 'the settings'})"
    if choice.ssh_user:
        return opens, f"{choice.ssh_user} (your choice)"
    return opens, f"{settings.ssh_user or '(ssh decides)'} (the settings)"


def _action_name(kind: TunnelKind) -> str:
    return ACTION_NAMES.get(kind, kind.upper())


def ask_ssh_user(
    parent: QWidget | None,
    instance: Instance,
    choice: InstanceChoice,
    ssh_default: str,
    choose: Choose,
) -> QInputDialog:
    """A dialog asking who SSH logs in to `instance` as; empty goes back to `ssh_default`."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(f"SSH user for {instance.display_name}")
    dialog.setLabelText(f"Log in as (leave empty for the settings' user, {ssh_default}):")
    dialog.setTextValue(choice.ssh_user)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.textValueSelected.connect(
        lambda text: choose(instance, dataclasses.replace(choice, ssh_user=text.strip()))
    )
    dialog.open()
    return dialog
