"""The headless face of ssmgui: the same services as the GUI, driven from a terminal.

Each command group lives in its own module with a `register(subparsers)` function; `main`
is the one door where an `SsmGuiError` becomes a friendly message and an exit code.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from ssmgui import __version__
from ssmgui.cli import (
    broker_command,
    connect_commands,
    demo_commands,
    doctor_commands,
    identity_commands,
    inventory_commands,
    password_command,
    shell_commands,
    tunnel_commands,
)
from ssmgui.core.errors import SsmGuiError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ssmgui",
        description="AWS Session Manager tunnels without the terminal ritual.",
    )
    parser.add_argument("--version", action="version", version=f"ssmgui {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the embedded demo AWS, the tray app's demo world (profiles demo-prod, "
        "demo-staging, demo-dev; no account needed); alone, it starts the tray app",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="with --demo: a headless self-check (list, MFA, a tunnel, a page) instead",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log protocol events")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    tunnel_commands.register(subparsers)
    connect_commands.register(subparsers)
    shell_commands.register(subparsers)
    inventory_commands.register(subparsers)
    password_command.register(subparsers)
    identity_commands.register(subparsers)
    demo_commands.register(subparsers)
    doctor_commands.register(subparsers)
    broker_command.register(subparsers)
    return parser


class _LogFormat(logging.Formatter):
    """One line per record. Libraries' tracebacks only with -v: botocore logs a failed
    credential refresh at WARNING with its traceback, then raises what the door translates."""

    def __init__(self, *, tracebacks: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if self._tracebacks or record.name.partition(".")[0] == "ssmgui":
            return super().format(record)
        quiet = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(quiet)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormat(tracebacks=args.verbose))
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, handlers=[handler]
    )
    # At DEBUG botocore logs whole response bodies, STS secrets and session tokens included.
    for chatty in ("botocore", "boto3", "urllib3", "websockets"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, logging.root.level))
    try:
        if args.command is None:
            if args.demo and args.check:
                return demo_commands.run_self_check(args)
            parser.print_help()
            return EXIT_USER_ERROR
        result: int = args.handler(args)
        return result
    except SsmGuiError as exc:
        print(f"ssmgui: {exc.user_message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
