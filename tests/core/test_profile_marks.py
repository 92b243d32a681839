"""Which account am I in: production-looking names, colours chosen or not, labels, regions."""

from __future__ import annotations

import json

import pytest

from ssmgui.core.profile_marks import (
    PRODUCTION_COLOUR,
    ConnectQuestion,
    favourite_label,
    is_marked,
    looks_like_production,
    mark_colour,
    profile_label,
    tunnel_label,
)
from ssmgui.core.regions import OWN_REGIONS, regions_for
from ssmgui.core.settings import Settings, from_dict, to_dict


@pytest.mark.parametrize(
    "name",
    ["prod", "demo-prod", "PROD", "prd_eu", "acme.production", "live", "team live", "prod-eu"],
)
def test_production_words_are_marked(name: str) -> None:
    assert looks_like_production(name)
    assert mark_colour(name, {}) == PRODUCTION_COLOUR


@pytest.mark.parametrize(
    "name", ["dev", "product", "prodigy", "delivery", "liver", "demo-staging", "preprod1", ""]
)
def test_other_names_are_not(name: str) -> None:
    assert not looks_like_production(name)
    assert not is_marked(name, {})


def test_the_settings_choice_wins_both_ways() -> None:
    chosen = {"demo-prod": "", "dev": "#1565c0"}
    assert not is_marked("demo-prod", chosen)  # unmarked on purpose
    assert mark_colour("dev", chosen) == "#1565c0"
    assert mark_colour("live", chosen) == PRODUCTION_COLOUR


def test_labels_name_the_profile_and_the_account() -> None:
    assert profile_label("dev") == "dev"
    assert profile_label("prod", "111111111111") == "prod (111111111111)"
    assert profile_label("prod", "111111111111", "acme-prod") == "prod (acme-prod)"
    assert tunnel_label("rdp", "demo-rdp", "demo-prod", "1111") == "RDP demo-rdp — demo-prod (1111)"
    assert favourite_label("RDP web", "prod", "1111") == "RDP web — prod (1111)"
    # The name a second profile's favourite gets reads as the others ("(prod) (1111)" did).
    assert favourite_label("RDP web (prod)", "prod", "1111") == "RDP web — prod (1111)"
    assert favourite_label("RDP web (prod)", "prod") == "RDP web — prod"
    assert favourite_label("prod web", "prod", "1111") == "prod web (1111)"


def test_the_question_says_where() -> None:
    question = ConnectQuestion("demo-prod", "111111111111", "demo-web")
    expected = "You are about to connect to demo-prod (account 111111111111): demo-web."
    assert question.text == expected
    assert ConnectQuestion("p", "", "x").text == "You are about to connect to p: x."


def test_colours_round_trip_and_a_bad_one_is_named() -> None:
    settings = Settings(profile_colours={"prod": "", "dev": "#2e7d32"}, confirm_marked=True)
    loaded = from_dict(json.loads(json.dumps(to_dict(settings))))
    assert loaded.settings == settings and loaded.problems == ()
    bad = from_dict({"profile_colours": {"dev": "red; rm -rf"}, "confirm_marked": "yes"})
    assert bad.settings.profile_colours == {} and not bad.settings.confirm_marked
    assert sorted(p.split()[0] for p in bad.problems) == ["confirm_marked", "profile_colours"]


def test_an_old_settings_file_still_loads() -> None:
    """Written before colours and the regions checklist: every field as it was."""
    old = {"profiles": ["prod"], "regions": ["eu-west-1", "us-east-1"], "keepalive": True}
    loaded = from_dict(old)
    assert loaded.problems == ()
    assert loaded.settings.regions == ("eu-west-1", "us-east-1")
    assert loaded.settings.profile_colours == {} and not loaded.settings.confirm_marked


@pytest.mark.parametrize(
    ("chosen", "own", "expected"),
    [
        ((), ("eu-west-1",), ("eu-west-1",)),
        (("us-east-1",), ("eu-west-1",), ("us-east-1",)),
        ((OWN_REGIONS, "us-east-1"), ("eu-west-1", "us-east-1"), ("eu-west-1", "us-east-1")),
        (("us-east-1", OWN_REGIONS), ("eu-west-1",), ("us-east-1", "eu-west-1")),
        ((OWN_REGIONS,), (), ()),
    ],
)
def test_regions_for_a_profile(
    chosen: tuple[str, ...], own: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    assert regions_for(chosen, own) == expected
