"""`ssmgui password <instance>`: a Windows instance's Administrator password.

Where the password goes is chosen for a careful person:

- piped (`ssmgui password i-… | wl-copy`) or with `--show`: printed on stdout, one line —
  the person asked for it there;
- on a terminal without `--show`: never printed (it would stay in the scrollback and in
  screen shares). It is put on the clipboard with the desktop's tool (xclip, xsel,
  wl-copy, pbcopy) for `--clear-after` seconds (45), then cleared unless something else
  was copied meanwhile; Ctrl+C clears it at once. Without a tool it says how to get it.

The key file is `--key`, else the one remembered for the instance's key pair (by the GUI or
an earlier `--key`), else — under `--demo` — the demo's own key. A key that decrypts is
remembered for its key pair (never under `--demo`). The password is never logged.
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
from pathlib import Path
from typing import TextIO

from ssmgui.cli.arguments import profile_name, region_name
from ssmgui.cli.clipboard import Outcome, find_tool, hold_secret
from ssmgui.cli.identity_commands import identity_service
from ssmgui.cli.sessions import chosen_profile, chosen_region, data_safe_prompt, demo_world
from ssmgui.core.errors import WindowsPasswordError
from ssmgui.services.launch.windows_password import PassphraseNeededError
from ssmgui.services.launch.windows_passwords import WindowsPasswords
from ssmgui.services.settings_store import SettingsService, SettingsStore

CLEAR_AFTER_S = 45.0
EXIT_NOT_SHOWN = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `password` command."""
    command = subparsers.add_parser(
        "password",
        help="the Windows Administrator password of an instance (decrypted with your key)",
        description="Read a Windows instance's Administrator password (EC2 GetPasswordData) "
        "and decrypt it with the private key of its key pair. On a terminal it goes to the "
        "clipboard for a while, not to the screen; piped or with --show it is printed.",
    )
    command.add_argument("instance", help="instance id (i-…)")
    command.add_argument("--profile", type=profile_name, help="AWS profile")
    command.add_argument("--region", type=region_name, help="default: the profile's region")
    command.add_argument(
        "--key",
        type=Path,
        metavar="FILE",
        help="the key pair's private key (.pem); default: the one remembered for it",
    )
    command.add_argument("--show", action="store_true", help="print it on this terminal")
    command.add_argument(
        "--clear-after",
        type=_seconds,
        default=CLEAR_AFTER_S,
        metavar="S",
        help=f"seconds on the clipboard before it is cleared (default {CLEAR_AFTER_S:g})",
    )
    command.set_defaults(handler=run_password)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("give a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("give 1 to 3600 seconds")
    return value


def run_password(args: argparse.Namespace) -> int:
    demo = bool(getattr(args, "demo", False))
    settings = SettingsService(None if demo else SettingsStore())
    with identity_service(args, data_safe_prompt()) as identity:
        profile = chosen_profile(args.profile)
        region = chosen_region(identity, profile, args.region)
        world = demo_world(args)
        passwords = WindowsPasswords(identity.session_for, world.endpoint_for if world else None)
        where = (profile, region, args.instance)
        data = passwords.password_data(*where)  # "not available yet" before any key
        key_name = passwords.key_name(*where)
        remembered = settings.current.key_files.get(key_name, "") if key_name else ""
        demo_key = getattr(world, "windows_key_file", None)
        key_file = args.key or (Path(remembered) if remembered else demo_key)
        if key_file is None:
            pair = f"key pair '{key_name}'" if key_name else "the instance's key pair"
            raise WindowsPasswordError(f"Pass --key FILE: the private key (.pem) of {pair}.")
        password = _decrypt(passwords, data, key_file)
    if args.key is not None and key_name and not demo:
        settings.update(settings.current.with_key_file(key_name, str(args.key.resolve())))
    return deliver(password, args.instance, args.show, args.clear_after)


def _decrypt(passwords: WindowsPasswords, data: str, key_file: Path) -> str:
    """Decrypt; a key with a passphrase asks for it on the terminal (never in argv)."""
    try:
        return passwords.decrypt(data, key_file)
    except PassphraseNeededError:
        if not sys.stdin.isatty():
            raise
    passphrase = getpass.getpass(f"Passphrase of {key_file}: ")
    return passwords.decrypt(data, key_file, passphrase.encode())


def deliver(
    password: str,
    instance: str,
    show: bool,
    clear_after: float,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Print `password` when asked to or piped; else hold it on the clipboard a while."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    if show or not out.isatty():
        print(password, file=out, flush=True)
        return 0
    tool = find_tool(os.environ, shutil.which)
    if tool is None:
        print(
            "ssmgui: the password is not printed on a terminal (it would stay in the "
            "scrollback) and no clipboard tool (xclip, xsel, wl-copy, pbcopy) was found. "
            f"Print it with --show, or pipe it: ssmgui password {instance} | <clipboard tool>",
            file=err,
        )
        return EXIT_NOT_SHOWN
    print(
        f"The Administrator password of {instance} is on the clipboard ({tool.name}) for "
        f"{clear_after:g} s; Ctrl+C clears it now.",
        file=err,
        flush=True,
    )
    outcome = hold_secret(tool, password, clear_after)
    if outcome is Outcome.FAILED:
        print(
            f"ssmgui: {tool.name} could not put it on the clipboard. Print it with --show, or "
            f"pipe it: ssmgui password {instance} | <clipboard tool>",
            file=err,
        )
        return EXIT_NOT_SHOWN
    if outcome is Outcome.CLEARED:
        print("Cleared from the clipboard.", file=err)
    else:
        print("Something else was copied since: the clipboard is left as it is.", file=err)
    return 0
