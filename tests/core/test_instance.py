"""Instance rules: agent thresholds, filter semantics, order, and the dict round trip."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime

import pytest

from ssmgui.core.instance import (
    Instance,
    InstanceFilter,
    PingStatus,
    Platform,
    filter_instances,
    instance_from_dict,
    instance_to_dict,
    parse_filter,
    sort_instances,
)

WEB = Instance(
    instance_id="i-0123456789abcdef0",
    name="Web-Prod-01",
    platform=Platform.LINUX,
    ping_status=PingStatus.ONLINE,
    agent_version="3.3.1142.0",
    private_ip="10.1.2.3",
    public_ip="203.0.113.7",
    profile="prod",
    region="eu-west-1",
    account="111111111111",
    last_ping=datetime(2026, 11, 3, 12, 0, tzinfo=UTC),
    state="running",
    tags=(("Environment", "Prod"), ("Name", "Web-Prod-01"), ("Team", "data eng")),
)
RDP = replace(
    WEB,
    instance_id="i-0aaaaaaaaaaaaaaa1",
    name="rdp",
    platform=Platform.WINDOWS,
    private_ip="10.9.9.9",
    public_ip="",
    profile="dev",
    region="us-east-1",
    tags=(("Environment", "dev"),),
)
UNNAMED = replace(
    WEB, instance_id="mi-00000000000000001", name="", public_ip="", tags=(), last_ping=None
)


@pytest.mark.parametrize(
    ("version", "forwarding", "multiplexing"),
    [
        ("2.3.671.0", False, False),
        ("2.3.672.0", True, False),
        ("3.0.196.0", True, False),
        ("3.0.222.0", True, True),
        ("3.3.1142.0", True, True),
        ("", False, False),
    ],
)
def test_agent_version_thresholds(version: str, forwarding: bool, multiplexing: bool) -> None:
    instance = replace(WEB, agent_version=version)
    assert instance.supports_port_forwarding is forwarding
    assert instance.supports_multiplexing is multiplexing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [WEB, RDP, UNNAMED]),
        ("web", [WEB]),  # case-insensitive name
        ("0123456789ABC", [WEB]),  # id
        ("10.9.9", [RDP]),  # private IP
        ("203.0.113", [WEB]),  # public IP
        ("windows", [RDP]),  # platform
        ("dev us-east", [RDP]),  # profile AND region
        ("mi-", [UNNAMED]),
        ("web rdp", []),  # every word must match
        ("environment=prod", [WEB]),  # tag key and value, case-insensitive
        ("Environment=PROD web", [WEB]),
        ('"team=data eng"', [WEB]),  # quotes keep a value with a space
        ("team=data", []),  # values match whole
        ("environment=", [WEB, RDP]),  # has the tag
        ('"unbalanced', []),  # read as plain text, not an error
    ],
)
def test_filter_semantics(text: str, expected: list[Instance]) -> None:
    assert filter_instances([WEB, RDP, UNNAMED], text) == expected


def test_parse_filter_separates_words_and_tags() -> None:
    assert parse_filter("Web  Env=Prod =x") == InstanceFilter(("web", "=x"), (("env", "prod"),))


def test_sort_puts_named_first_case_insensitively() -> None:
    lower = replace(RDP, name="alpha")
    assert sort_instances([UNNAMED, WEB, lower]) == [lower, WEB, UNNAMED]


@pytest.mark.parametrize("instance", [WEB, RDP, UNNAMED])
def test_dict_round_trip(instance: Instance) -> None:
    data = instance_to_dict(instance)
    assert instance_from_dict(data) == instance
    assert data["supports_port_forwarding"] is True


def test_an_instance_is_built_by_keyword_only() -> None:
    """Its fields in order, by position, are refused: a swap (private and public IP,
    profile and region) could not be seen at the call site."""
    in_order = [getattr(WEB, field.name) for field in fields(Instance)]
    with pytest.raises(TypeError):
        Instance(*in_order)  # type: ignore[call-arg]  # the refusal under test
