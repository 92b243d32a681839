"""A shell as a double-click action: the tag, the remembered choice, and SSH that becomes a
shell when the person has no SSH setup — never when a setting or a tag says otherwise."""

from __future__ import annotations

import dataclasses

import pytest

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.instance_choices import InstanceChoice, choice_from_dict, choice_to_dict
from ssmgui.core.launch import ACTION_TAG, default_action, tagged_action
from ssmgui.core.settings import Settings
from ssmgui.core.tunnel import TunnelKind, spec_for


def test_ssh_on_linux_becomes_a_shell_without_an_ssh_setup() -> None:
    settings = Settings()
    assert default_action("Linux", settings, ssh_ready=False) is TunnelKind.SHELL
    assert default_action("Linux", settings, ssh_ready=True) is TunnelKind.SSH
    assert default_action("Windows", settings, ssh_ready=False) is TunnelKind.RDP


def test_a_chosen_linux_action_or_a_tag_is_kept_without_an_ssh_setup() -> None:
    http = dataclasses.replace(Settings(), linux_action=TunnelKind.HTTP)
    assert default_action("Linux", http, ssh_ready=False) is TunnelKind.HTTP
    tags = {ACTION_TAG: "ssh"}
    assert default_action("Linux", Settings(), tags, ssh_ready=False) is TunnelKind.SSH


def test_the_tag_and_the_remembered_choice_can_name_a_shell() -> None:
    assert tagged_action({ACTION_TAG: " Shell "}) is TunnelKind.SHELL
    assert default_action("Windows", Settings(), {ACTION_TAG: "shell"}) is TunnelKind.SHELL
    choice = InstanceChoice(TunnelKind.SHELL)
    assert choice_from_dict(choice_to_dict(choice)) == choice


def test_a_shell_is_no_tunnel() -> None:
    with pytest.raises(ConfigurationError, match="not a tunnel"):
        spec_for("p", "eu-west-1", "i-0123456789abcdef0", TunnelKind.SHELL)
