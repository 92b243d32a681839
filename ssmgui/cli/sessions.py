"""The Session Manager API a tunnel command uses, signed as the user's sign-in says.

`forward`, `ssh-proxy` and `connect` take their credentials from the same identity service
as the GUI and `ssmgui login`: an MFA session kept in the keyring is used as it is, and a
sign-in that is needed asks once, on the terminal — never on a stdin that carries the
tunnel's data. `ssh-proxy` asks on the controlling terminal (/dev/tty), as ssh asks for a
password; without one it says to run `ssmgui login` first.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from botocore.config import Config
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

from ssmgui.cli.identity_commands import terminal_prompt
from ssmgui.core.credentials import MfaRequest
from ssmgui.core.errors import ConfigurationError, MfaError
from ssmgui.core.profile import ENVIRONMENT_PROFILE, role_chain
from ssmgui.core.tunnel import TunnelKind
from ssmgui.services.aws.clients import environment_profile_name
from ssmgui.services.identity.mfa_sessions import MfaPrompt
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.identity_facade import IdentityFacade
from ssmgui.services.tunnels.session_api import SessionApi

#: Tunnel commands retry the control plane a little (botocore's standard mode).
API_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"})
CONTROLLING_TERMINAL = "/dev/tty"


def chosen_profile(named: str | None) -> str:
    """--profile, else keys in the environment, else the profile botocore would use
    (AWS_DEFAULT_PROFILE, AWS_PROFILE), else "default".
    Raises ConfigurationError for an empty --profile."""
    if named is not None:
        if not named.strip():
            raise ConfigurationError("--profile is empty: give an AWS profile's name.")
        return named
    if os.environ.get("AWS_ACCESS_KEY_ID"):
        return ENVIRONMENT_PROFILE
    return environment_profile_name()


def chosen_region(identity: IdentityService, profile: str, named: str | None) -> str:
    """--region, else the profile's first region. Raises ConfigurationError saying why not."""
    profiles = identity.profiles()
    if profile == ENVIRONMENT_PROFILE and profile not in profiles:
        raise ConfigurationError(
            "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY: set both, or unset it "
            "to use a profile (--profile)."
        )
    found = role_chain(profiles, profile)[0]  # an unknown profile: say so first
    if named:
        return named
    if found.problem is not None:
        raise ConfigurationError(found.problem)
    if found.chosen_regions:
        return found.chosen_regions[0]
    raise ConfigurationError(
        f"Profile '{profile}' names no region: pass --region or add one to it."
    )


class AwsWorld(Protocol):
    """Where a `--demo` command's calls go: the demo world on loopback (`demo_world.py`)."""

    @property
    def stream_hosts(self) -> frozenset[str]:
        """host:port of its data channels (no AWS host, so they must be allowed)."""
        ...

    @property
    def client_notes(self) -> Mapping[TunnelKind, str]:
        """What each client cannot show on it (`Launcher`'s notes)."""
        ...

    @property
    def known_hosts_file(self) -> Path:
        """The known_hosts that trusts its SSH server's host key (`Launcher`'s known_hosts)."""
        ...

    def endpoint_for(self, profile: str, region: str, service: str) -> str | None: ...


def demo_world(args: argparse.Namespace) -> AwsWorld | None:
    """The demo world this command runs on (set by `identity_service` under --demo)."""
    world: AwsWorld | None = getattr(args, "demo_world", None)
    return world


def ssm_endpoint_for(args: argparse.Namespace) -> Callable[[str, str], str | None]:
    """The Session Manager endpoint per (profile, region): the demo world's under --demo,
    else --endpoint-url (checked) or botocore's own (None)."""
    world = demo_world(args)
    if world is not None:
        return lambda profile, region: world.endpoint_for(profile, region, "ssm")
    endpoint = checked_endpoint_url(args.endpoint_url)
    return lambda _profile, _region: endpoint


async def session_api(
    args: argparse.Namespace, identity: IdentityService, facade: IdentityFacade | None = None
) -> SessionApi:
    """The API for `args.profile` / `args.region` on fresh credentials (may ask for MFA).
    `facade`: a `command_facade` for the same endpoints, kept by a caller that serves many
    commands (the warm helper), so each API is built once."""
    profile = chosen_profile(args.profile)
    region = chosen_region(identity, profile, args.region)
    facade = facade or command_facade(identity, ssm_endpoint_for(args))
    return await facade.api_for(profile, region)


def command_facade(
    identity: IdentityService, endpoint_for: Callable[[str, str], str | None]
) -> IdentityFacade:
    """The identity facade of tunnel commands: botocore's standard retries."""
    return IdentityFacade(identity, ssm_endpoint_for=endpoint_for, client_config=API_CONFIG)


def checked_endpoint_url(url: str | None) -> str | None:
    """--endpoint-url (default: AWS_ENDPOINT_URL_SSM) when botocore accepts it as an
    endpoint. Raises ConfigurationError naming the option otherwise."""
    if url is None or _botocore_accepts(url):
        return url
    raise ConfigurationError(
        "--endpoint-url (or AWS_ENDPOINT_URL_SSM) is not an endpoint URL botocore accepts; "
        "give one like https://ssm.eu-west-1.amazonaws.com, or leave it out."
    )


def _botocore_accepts(url: str) -> bool:
    try:
        return bool(is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url))
    except ValueError:  # urlsplit's own refusal, e.g. an unclosed "["
        return False


def controlling_terminal_prompt(request: MfaRequest) -> str | None:
    """Ask on the controlling terminal, not stdin; no terminal is a clear error."""
    try:
        with open(CONTROLLING_TERMINAL, "r+", encoding="utf-8") as terminal:
            if request.problem:
                terminal.write(request.problem + "\n")
            terminal.write(f"MFA code for '{request.profile_name}' ({request.serial_number}): ")
            terminal.flush()
            line = terminal.readline()
    except OSError:
        raise MfaError(
            f"Profile '{request.profile_name}' needs an MFA code and there is no terminal to "
            f"ask on. Run: ssmgui login {request.profile_name}"
        ) from None
    return line.strip() if line else None


def data_safe_prompt() -> MfaPrompt:
    """The terminal prompt when stdin is a terminal, else the controlling terminal's."""
    return terminal_prompt if sys.stdin.isatty() else controlling_terminal_prompt
