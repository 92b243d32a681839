"""`ssmgui` / `python -m ssmgui`: the tray app, or a command.

With no command — only `--demo` and `-v`, say — the GUI starts; anything else is the
command line (`ssmgui --demo --check` is the headless self-check). The GUI is imported only
when it runs, so the command line never loads Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

GUI_FLAGS = frozenset({"--demo", "-v", "--verbose"})


def wants_gui(args: Sequence[str]) -> bool:
    return all(arg in GUI_FLAGS for arg in args)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["ssh-proxy"]:
        # Before anything heavy is imported: a warm helper may run it (ssmgui/broker/).
        from ssmgui.broker.client import through_broker  # noqa: PLC0415

        status = through_broker(args)
        if status is not None:
            return status
    if wants_gui(args):
        from ssmgui.app import run  # noqa: PLC0415 - Qt only for the GUI

        return run(demo="--demo" in args, verbose=bool({"-v", "--verbose"} & set(args)))
    from ssmgui.cli import main as cli_main  # noqa: PLC0415

    return cli_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
