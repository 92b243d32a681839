"""`ssmgui login`, `ssmgui whoami` and `ssmgui forget`: identity from a terminal.

The composition root for identity: builds `IdentityService` with the OS keyring, boto3 and a
terminal MFA prompt — or, with `--demo`, with the GUI's demo world on loopback
(`demo_world.py`) and a memory-only store, so the demo never touches the user's keyring or
AWS files.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from ssmgui.cli import sso_commands
from ssmgui.cli.arguments import profile_name
from ssmgui.core.credentials import CallerIdentity, MfaRequest
from ssmgui.core.errors import MfaError
from ssmgui.services.aws.clients import AwsClients, environment_profile_name
from ssmgui.services.identity.mfa_sessions import MfaPrompt
from ssmgui.services.identity.profiles import AwsFiles, ProfileCache
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.service import IdentityService, utc_now
from ssmgui.services.identity.sso import sso_cache_dir


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `login`, `whoami` and `forget` commands."""
    login = subparsers.add_parser(
        "login",
        help="sign a profile in now: an MFA code (kept in the keyring), or IAM Identity "
        "Center in the browser for an sso-session or SSO profile (shared with the AWS CLI)",
    )
    login.add_argument("profile", type=profile_name, help="AWS profile or sso-session name")
    login.add_argument("--force", action="store_true", help="ask for a new MFA code anyway")
    login.add_argument(
        "--device-code",
        action="store_true",
        help="IAM Identity Center: confirm a code on any device instead of this computer's browser",
    )
    login.set_defaults(handler=run_login)
    whoami = subparsers.add_parser(
        "whoami", help="show account, ARN, expiry and where the credentials are kept"
    )
    whoami.add_argument(
        "--profile", type=profile_name, help="AWS profile name (default: $AWS_PROFILE or default)"
    )
    whoami.set_defaults(handler=run_whoami)
    forget = subparsers.add_parser("forget", help="remove stored MFA sessions from the keyring")
    forget.add_argument(
        "profile", nargs="?", type=profile_name, help="only this profile's (default: all)"
    )
    forget.set_defaults(handler=run_forget)


def run_login(args: argparse.Namespace) -> int:
    session = None if getattr(args, "demo", False) else sso_commands.sso_target(args.profile)
    if session is not None:
        return sso_commands.run_sso_login(args, session)
    with identity_service(args) as service:
        print_identity(service.login(args.profile, force=args.force))
    return 0


def run_whoami(args: argparse.Namespace) -> int:
    with identity_service(args) as service:
        # Inside the service's block: under --demo the environment names demo-prod.
        print_identity(service.whoami(args.profile or environment_profile_name()))
    return 0


def run_forget(args: argparse.Namespace) -> int:
    with identity_service(args) as service:
        removed = service.forget(args.profile)
        print(f"Removed: {', '.join(removed)}" if removed else "Nothing was stored.")
    return 0


def terminal_prompt(request: MfaRequest) -> str | None:
    """Ask on the terminal (stderr, so stdout stays clean); None on end of input."""
    if request.problem:
        print(request.problem, file=sys.stderr)
    print(
        f"MFA code for '{request.profile_name}' ({request.serial_number}): ",
        end="",
        file=sys.stderr,
        flush=True,
    )
    line = sys.stdin.readline()
    return line.strip() if line else None


def print_identity(identity: CallerIdentity) -> None:
    print(f"Profile:  {identity.profile_name}")
    print(f"Account:  {identity.account}")
    print(f"ARN:      {identity.arn}")
    print(f"Expires:  {_describe_expiry(identity.expires_at, utc_now())}")
    print(f"Kept in:  {identity.kept_in}")


@contextlib.contextmanager
def identity_service(
    args: argparse.Namespace, prompt: MfaPrompt | None = None
) -> Iterator[IdentityService]:
    """The service for this command: real AWS and keyring, or the demo world. `prompt`
    asks for MFA codes (default: on this terminal, reading stdin). Under --demo the world
    runs until the block ends, and `args.demo_world` holds it for the command's other calls
    (`sessions.demo_world`)."""
    prompt = prompt or terminal_prompt
    if not getattr(args, "demo", False):
        files = AwsFiles.from_environment()
        yield IdentityService(
            load_profiles=ProfileCache(files),
            store=SecretStore.from_system(),
            clients=AwsClients(),
            prompt=prompt,
            sso_cache_dir=sso_cache_dir(Path.home()),
        )
        return
    # Imported only when asked: real use never loads the demo world.
    from ssmgui.cli.demo_world import running_demo  # noqa: PLC0415

    with running_demo() as desktop:
        args.demo_world = desktop  # where the command's other calls go (sessions.py)
        yield IdentityService(
            load_profiles=ProfileCache(AwsFiles(desktop.config_file, desktop.credentials_file), {}),
            store=SecretStore(None),
            clients=AwsClients(endpoint_url=desktop.sts_endpoint),
            prompt=_demo_prompt(prompt, desktop.profiles[-1]),
            sso_cache_dir=desktop.config_file.parent / "sso-cache",
        )


def _demo_prompt(prompt: MfaPrompt, without_mfa: str) -> MfaPrompt:
    """`prompt`, whose "run ssmgui login" advice cannot help in the demo: each demo
    command runs a world of its own, so a sign-in is not kept for the next one."""

    def ask(request: MfaRequest) -> str | None:
        try:
            return prompt(request)
        except MfaError:
            raise MfaError(
                f"Profile '{request.profile_name}' needs an MFA code and there is no terminal "
                f"to ask on: run the command in a terminal, or use --profile {without_mfa}, "
                "which needs none (the demo keeps no sign-in from one command to the next)."
            ) from None

    return ask


def _describe_expiry(expires_at: datetime | None, now: datetime) -> str:
    if expires_at is None:
        return "never (long-lived keys or renewed by botocore)"
    minutes = int((expires_at - now).total_seconds() // 60)
    when = expires_at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    if minutes < 0:
        return f"{when} (expired)"
    return f"{when} (in {minutes // 60} h {minutes % 60} min)"
