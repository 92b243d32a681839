"""The journeys, by name: what `journey_app` runs and `test_journeys` tests.

A journey is an async function of a `Person` (person.py) that acts only through input
events and fails (`JourneyError`) when the screen does not show what it expects. Add one
by writing it in a module of this package and listing it in JOURNEYS (README.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from tests.acceptance.person import Person


@dataclass(frozen=True)
class Journey:
    """`run` acts and looks; `tray`: run on a desktop with a tray host; `ends_app`: the
    journey itself quits the app (its last step), and the test checks the exit.
    `demo=False` starts the real app (`ssmgui`, not `ssmgui --demo`) on the private HOME's
    own AWS files (none unless `world` or the journey writes them); `world`, when given,
    is entered in the app's process before the app starts and left after it quit (a fake
    AWS, a keyring: real_world.py)."""

    run: Callable[[Person], Awaitable[None]]
    tray: bool = True
    ends_app: bool = False
    demo: bool = True
    world: Callable[[], AbstractContextManager[None]] | None = None


def _journeys() -> dict[str, Journey]:
    from tests.acceptance import real_world
    from tests.acceptance.journeys import (
        account_marks,
        clients,
        demo_guide,
        dialogs,
        favourites,
        first_launch,
        instances,
        mfa_waits_alone,
        real_app,
        shell,
        sign_in,
        sso_roles,
        start_stopped,
        stop,
        tunnels,
        windows_password,
    )

    return {
        "first_launch_tray": Journey(first_launch.with_tray),
        "first_launch_no_tray": Journey(first_launch.without_tray, tray=False, ends_app=True),
        "mfa_wrong_then_right": Journey(sign_in.wrong_then_right_code),
        "filter_and_sort": Journey(instances.filter_and_sort),
        "custom_port_dialogs": Journey(dialogs.custom_port_dialogs),
        "ctrl_f_to_the_filter": Journey(dialogs.ctrl_f_to_the_filter),
        "cancel_mfa_once": Journey(dialogs.cancel_mfa_once),
        "bad_client_command": Journey(clients.bad_client_command),
        "quit_with_tunnel": Journey(clients.quit_from_tray_with_a_tunnel, ends_app=True),
        "demo_guide": Journey(demo_guide.follow_the_welcome),
        "confirm_before_production": Journey(account_marks.confirm_before_production),
        "live_tunnel_figures": Journey(tunnels.live_figures),
        "details_and_windows_password": Journey(windows_password.details_then_password),
        "favourites_add_and_manage": Journey(favourites.add_and_manage),
        "listed_while_mfa_waits": Journey(mfa_waits_alone.listed_while_the_code_is_awaited),
        "stop_a_tunnel": Journey(stop.stop_from_the_tunnels_tab),
        "open_shell": Journey(shell.open_shell_and_type),
        "start_and_connect": Journey(start_stopped.start_and_connect),
        "sso_pick_a_role": Journey(sso_roles.pick_a_role),
        "no_aws_config": Journey(
            real_app.no_aws_config, demo=False, world=real_world.fake_aws_and_working_keyring
        ),
        "keyring_refuses": Journey(
            real_app.keyring_refuses,
            demo=False,
            world=real_world.fake_aws_and_refusing_keyring,
        ),
    }


JOURNEYS: dict[str, Journey] = _journeys()
