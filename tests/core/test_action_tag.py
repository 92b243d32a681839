"""The per-instance action tag: `ssmgui:action=http` makes a double-click open the browser."""

from __future__ import annotations

from ssmgui.core.launch import ACTION_TAG, default_action, tagged_action
from ssmgui.core.settings import Settings
from ssmgui.core.tunnel import TunnelKind


def test_the_tag_overrides_the_platforms_action() -> None:
    settings = Settings()
    assert default_action("Linux", settings, {ACTION_TAG: "http"}) is TunnelKind.HTTP
    assert default_action("Windows", settings, {ACTION_TAG: "ssh"}) is TunnelKind.SSH
    assert default_action("Linux", settings, {"SSMGUI:Action": " HTTPS "}) is TunnelKind.HTTPS


def test_without_the_tag_the_platform_decides_as_before() -> None:
    settings = Settings()
    assert default_action("Windows", settings, {"Name": "web"}) is TunnelKind.RDP
    assert default_action("Linux", settings) is TunnelKind.SSH


def test_a_value_that_names_no_client_is_ignored() -> None:
    assert tagged_action({ACTION_TAG: "custom"}) is None
    assert tagged_action({ACTION_TAG: "vnc"}) is None
    assert default_action("Windows", Settings(), {ACTION_TAG: ""}) is TunnelKind.RDP
