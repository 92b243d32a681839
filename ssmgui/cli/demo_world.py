"""`ssmgui --demo COMMAND`: the GUI's demo world, for the length of one command.

The same world as `ssmgui --demo` in the tray (`ssmgui.demo.desktop.world`): the profiles
demo-prod (keys + MFA), demo-staging (a role through demo-prod, the same MFA code) and
demo-dev (no MFA), their instances in three regions, the featured ones (demo-web,
demo-ssh, demo-rdp, ...) with their targets, and the same MFA rule (any 6 digits; 000000 is
refused like a wrong code).

`running_demo()` starts it on an event loop of its own in a background thread (every
command runs its own `asyncio.run`, which must not stop the world under it), points
`os.environ` at its AWS files (AWS_PROFILE=demo-prod, nothing of the person's real AWS) and,
on leaving, stops everything and puts the environment back. Imported only under `--demo`:
no other command pays for loading the demo world.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Iterator

from ssmgui.demo.desktop.world import DemoDesktop, start_demo_desktop

#: Starting takes about half a second; a stuck start or stop is a bug, said as one.
WAIT_S = 30


def demo_profiles_line(desktop: DemoDesktop) -> str:
    """One line naming the demo's profiles and its MFA rule (said on stderr at start)."""
    prod, staging, dev = desktop.profiles
    return (
        f"Demo: profiles {prod} (MFA), {staging} (a role through {prod}, the same MFA code) "
        f"and {dev} (no MFA); default {prod}. MFA code: {desktop.mfa_code_hint}."
    )


@contextlib.contextmanager
def running_demo() -> Iterator[DemoDesktop]:
    """The demo world, running, with `os.environ` pointed at it, until the block ends."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="ssmgui-demo-world", daemon=True)
    thread.start()
    try:
        # Without the IAM Identity Center profile: each command's world is new, so no
        # sign-in could outlive `ssmgui --demo login` and the profile would always fail.
        world = start_demo_desktop(sso_profile=False)
        desktop = asyncio.run_coroutine_threadsafe(world, loop).result(WAIT_S)
        try:
            desktop.apply_environment()  # restored by desktop.stop()
            print(demo_profiles_line(desktop), file=sys.stderr, flush=True)
            yield desktop
        finally:
            asyncio.run_coroutine_threadsafe(desktop.stop(), loop).result(WAIT_S)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(WAIT_S)
        loop.close()
