"""`ssmgui --demo`, `ssmgui demo check` and `ssmgui demo serve`: the embedded demo AWS.

`demo check` (and `--demo --check`) runs the self-check in
`demo_check.py`: the real services against the demo desktop world, one line per step.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from ssmgui.core.errors import SsmGuiError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser("demo", help="the embedded demo AWS")
    actions = demo.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check", help="self-check: sign-in, inventory and tunnels on the demo AWS"
    )
    check.set_defaults(handler=run_self_check)
    serve = actions.add_parser("serve", help="serve the demo AWS and print its endpoints")
    serve.set_defaults(handler=run_serve)


def run_serve(_args: argparse.Namespace) -> int:
    # The demo server's own entry point, run in this process.
    import runpy  # noqa: PLC0415 - only when asked

    runpy.run_module("ssmgui.demo", run_name="__main__", alter_sys=True)
    return 0


def run_self_check(_args: argparse.Namespace) -> int:
    """0 when every step passed; 1, with the reason on stderr, when one did not."""
    # Imported here so that no other command (an ssh ProxyCommand above all) pays for
    # loading the demo world.
    from ssmgui.cli import demo_check  # noqa: PLC0415

    try:
        asyncio.run(demo_check.self_check())
    except demo_check.DemoCheckError as exc:
        return _failed(str(exc))
    except SsmGuiError as exc:
        return _failed(exc.user_message)
    except (OSError, TimeoutError) as exc:
        # Loopback sockets only: an OSError here is a bug or a starved machine, not the user.
        return _failed(f"{type(exc).__name__}: {exc}")
    return 0


def _failed(reason: str) -> int:
    print(f"Demo self-check FAILED: {reason}", file=sys.stderr, flush=True)
    return 1
