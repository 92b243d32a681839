"""`ssmgui shell`: a shell (or one interactive command) on an instance, in this terminal.

Credentials as `forward` and `ssh-proxy` take them (`sessions.py`): the keyring's MFA
session, else a sign-in asked on this terminal before it goes raw. The session runs natively
(`ssm/shell.py`); the terminal is restored on every way out, and the remote status becomes
this command's exit status when the agent reports one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace

from ssmgui.cli.identity_commands import identity_service
from ssmgui.cli.sessions import (
    API_CONFIG,
    chosen_profile,
    data_safe_prompt,
    demo_world,
    session_api,
)
from ssmgui.cli.tunnel_commands import (
    add_aws_options,
    channel_options,
    end_leftovers_meanwhile,
    session_record,
    stop_on_termination_signals,
)
from ssmgui.core.errors import ConfigurationError, SessionEndedByServiceError
from ssmgui.core.shell_request import parse_parameter, shell_session_request
from ssmgui.core.tunnel import SessionRequest
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.tunnels.engines.native import RecordedControl
from ssmgui.services.tunnels.kms_data_keys import KmsDataKeys, kms_data_keys_for
from ssmgui.services.tunnels.session_api import SessionApi
from ssmgui.ssm.shell import ShellEnd, run_shell_session
from ssmgui.ssm.terminal import this_process_terminal


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    shell = subparsers.add_parser(
        "shell",
        help="a shell on an instance in this terminal (no SSH key, no open port)",
        description="Open a Session Manager shell (or run one interactive command) and stay "
        "until it ends. Every key, Ctrl-C included, goes to the instance.",
    )
    shell.add_argument("instance", help="instance id (i-… or mi-…)")
    shell.add_argument(
        "--document",
        help="a Standard_Stream document (default: SSM-SessionManagerRunShell, or "
        "AWS-StartInteractiveCommand with --command)",
    )
    shell.add_argument(
        "--parameter",
        action="append",
        default=[],
        type=_parameter,
        metavar="NAME=VALUE",
        help="a document parameter (repeat for more, or for a list's values)",
    )
    # dest: "command" is the name of the subcommand itself (cli/__init__.py).
    shell.add_argument("--command", dest="remote_command", help="run this command, not a shell")
    add_aws_options(shell)
    shell.set_defaults(handler=run_shell)


def _parameter(text: str) -> tuple[str, str]:
    try:
        return parse_parameter(text)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(exc.user_message) from None


def run_shell(args: argparse.Namespace) -> int:
    request = shell_session_request(
        args.instance,
        document=args.document,
        command=args.remote_command,
        parameters=args.parameter,
        reason=args.reason,
    )
    with identity_service(args, data_safe_prompt()) as identity:
        end = asyncio.run(_shell(args, identity, request))
    if end.message:
        print(end.message, file=sys.stderr, flush=True)
    return end.status


async def _shell(
    args: argparse.Namespace, identity: IdentityService, request: SessionRequest
) -> ShellEnd:
    stop = stop_on_termination_signals()
    end_leftovers_meanwhile(args, identity)
    api = await session_api(args, identity)
    options = replace(channel_options(args), kms=await _kms(args, identity, api, request))
    endpoint = await api.start(request)
    recorded = RecordedControl.begin(api, endpoint.session_id, session_record(args))
    terminal = this_process_terminal()
    try:
        end = await run_shell_session(endpoint, recorded, terminal, options=options, stop=stop)
    except BaseException:
        terminal.restore()
        raise
    if end.by_service:
        recorded.ended(SessionEndedByServiceError(end.message))
    return end


async def _kms(
    args: argparse.Namespace, identity: IdentityService, api: SessionApi, request: SessionRequest
) -> KmsDataKeys:
    """Data keys for the session, should its agent ask for KMS encryption (§14): the same
    profile and region as the session, KMS's endpoint as botocore (or the demo) names it."""
    profile = chosen_profile(args.profile)
    world = demo_world(args)
    endpoint = world.endpoint_for(profile, api.region, "kms") if world is not None else None
    return kms_data_keys_for(
        await identity.session_for_async(profile),
        profile=profile,
        region=api.region,
        target_id=request.target,
        endpoint_url=endpoint,
        config=API_CONFIG,
    )
