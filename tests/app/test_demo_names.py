"""The demo's instance names agree with their profile (issue #17): "sql-dev-006" under
demo-prod, with the production mark beside it, told a newcomer the demo was confused."""

from __future__ import annotations

import re

from ssmgui.demo.fleet import build_fleet, environment_of
from tests.app.test_gui_demo import Gui, refreshed
from tests.app.test_gui_demo import gui as gui  # noqa: PLC0414 - the fixture, re-exported

#: The fleet's generated names: role-environment-number ("web-prod-012").
GENERATED = re.compile(r"^[a-z]+-(prod|stage|dev)-\d{3}$")


async def test_every_listed_name_is_of_its_profiles_environment(gui: Gui) -> None:
    await refreshed(gui, "123456")
    generated = 0
    for instance in gui.controller.instances():
        match = GENERATED.match(instance.name)
        if match is None:
            continue  # featured (demo-web…), hybrid or unnamed
        generated += 1
        assert match.group(1) == environment_of(instance.profile), instance
        if instance.tags:  # EC2's (hybrid nodes have none)
            assert dict(instance.tags)["Environment"] == match.group(1), instance
    assert generated > 300


def test_only_the_names_follow_the_environment() -> None:
    """The same seed gives the same ids, platforms and states, whichever the environment:
    the fleet's size and the rows tests count stay as they were."""
    anywhere = build_fleet(1, 40, region="eu-west-1", account="1" * 12)
    in_dev = build_fleet(1, 40, region="eu-west-1", account="1" * 12, environment="dev")
    assert [m.ssm.instance_id for m in in_dev] == [m.ssm.instance_id for m in anywhere]
    assert [m.ssm.platform for m in in_dev] == [m.ssm.platform for m in anywhere]
    assert {environment_of(p) for p in ("demo-prod", "demo-staging", "demo-dev")} == {
        "prod",
        "stage",
        "dev",
    }
    assert environment_of("demo-7") is None
