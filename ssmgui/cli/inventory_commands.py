"""`ssmgui list`: every SSM-managed instance of the chosen profiles and regions.

Sign-ins (MFA prompts) happen first, one profile after another on the terminal; then every
(profile, region) is listed concurrently. A region that fails prints its own error on stderr
and the exit code is 1, while the other regions' instances are still printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Mapping, Sequence

import boto3
import botocore.session

from ssmgui.cli import sso_list
from ssmgui.cli.arguments import profile_name, region_name
from ssmgui.cli.identity_commands import identity_service
from ssmgui.cli.sessions import data_safe_prompt, demo_world
from ssmgui.core.errors import ConfigurationError, SsmGuiError
from ssmgui.core.instance import Instance, filter_instances, instance_to_dict, sort_instances
from ssmgui.core.profile import ENVIRONMENT_PROFILE, Profile, ProfileKind, role_chain
from ssmgui.services.aws import errors as aws_errors
from ssmgui.services.aws.regions import checked_region
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.inventory.cache import InventoryCache
from ssmgui.services.inventory.service import InventoryService, RegionResult
from ssmgui.services.inventory.sessions import ProfileSessions

EXIT_PARTIAL = 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `list` command."""
    listing = subparsers.add_parser(
        "list",
        help="list SSM-managed instances across profiles and regions",
        description="List every SSM-managed instance of the chosen profiles and regions, "
        "with EC2 names, platform, ping status, agent version and IPs.",
    )
    listing.add_argument(
        "--profile",
        action="append",
        type=profile_name,
        metavar="P",
        help="a profile to list (repeatable; default: every profile with credentials)",
    )
    listing.add_argument(
        "--region",
        action="append",
        type=region_name,
        metavar="R",
        help="a region to list (repeatable; default: each profile's ssmgui_regions or region)",
    )
    listing.add_argument("--json", action="store_true", help="one JSON object on stdout")
    listing.add_argument(
        "--filter",
        default="",
        metavar="TEXT",
        help="words matched in name, id, IP, platform, profile, region; key=value for tags",
    )
    sso_list.add_arguments(listing)
    listing.set_defaults(handler=run_list)


def run_list(args: argparse.Namespace) -> int:
    if getattr(args, "sso_session", None):
        sessions, pairs = sso_list.role_sessions(args)
        results = asyncio.run(_list_and_close(listing_service(args, sessions), pairs))
        return _report(args, results)
    with identity_service(args, data_safe_prompt()) as identity:
        pairs = chosen_pairs(identity, args.profile, args.region)
        sessions, refused = signed_in_profiles(identity, pairs)
        # Inside the block: under --demo the world serves the listing until it ends.
        results = refused + asyncio.run(_list_and_close(listing_service(args, sessions), [
            pair for pair in pairs if pair[0] in sessions
        ]))  # fmt: skip
    return _report(args, results)


def _report(args: argparse.Namespace, results: list[RegionResult]) -> int:
    """Print the listing (table or JSON) and each failed region; the exit code."""
    instances = sort_instances(i for result in results for i in result.instances)
    shown = filter_instances(instances, args.filter)
    failed = [result for result in results if result.error is not None]
    if args.json:
        print(json.dumps(json_document(shown, results), indent=2))
    else:
        print_table(shown)
    for result in failed:
        assert result.error is not None
        print(
            f"ssmgui: {result.profile}/{result.region}: {result.error.user_message}",
            file=sys.stderr,
        )
    return EXIT_PARTIAL if failed else 0


def listing_service(
    args: argparse.Namespace, sessions: Mapping[str, boto3.Session]
) -> InventoryService:
    """The inventory on the signed-in `sessions`: the demo world's endpoints and no cache
    under --demo (the person's cache holds their real listings), else AWS and the cache."""
    world = demo_world(args)
    if world is not None:
        return InventoryService(
            ProfileSessions(sessions.__getitem__, endpoint_url_for=world.endpoint_for)
        )
    return InventoryService(ProfileSessions(sessions.__getitem__), cache=InventoryCache())


def signed_in_profiles(
    identity: IdentityService, pairs: Sequence[tuple[str, str]]
) -> tuple[dict[str, boto3.Session], list[RegionResult]]:
    """A session for each profile that can sign in, and a failed result for each pair of
    a profile that cannot (an expired SSO token, an MFA code with no terminal to ask on):
    one profile must not stop the others from being listed."""
    sessions: dict[str, boto3.Session] = {}
    refused: list[RegionResult] = []
    problems: dict[str, SsmGuiError] = {}
    for profile, region in pairs:
        if profile not in sessions and profile not in problems:
            try:
                sessions[profile] = identity.session_for(profile)
            except SsmGuiError as exc:
                problems[profile] = exc
        if profile in problems:
            refused.append(RegionResult(profile, region, error=problems[profile]))
    return sessions, refused


async def _list_and_close(
    service: InventoryService, pairs: list[tuple[str, str]]
) -> list[RegionResult]:
    try:
        return await service.refresh(pairs)
    finally:
        await service.aclose()  # its kept connections, before the loop closes


def chosen_pairs(
    identity: IdentityService, profiles: Sequence[str] | None, regions: Sequence[str] | None
) -> list[tuple[str, str]]:
    """(profile, region) pairs to list, in the order given. Raises ConfigurationError."""
    known = identity.profiles()
    names = list(profiles) if profiles else [p.name for p in known.values() if _listable(p)]
    if not names:
        raise ConfigurationError("No AWS profile with credentials found. Use --profile.")
    pairs = []
    for name in names:
        profile_regions = list(regions) if regions else _regions_of(known, name)
        pairs += [(name, region) for region in profile_regions]
    return pairs


def _listable(profile: Profile) -> bool:
    return profile.problem is None and profile.kind is not ProfileKind.NO_CREDENTIALS


def _regions_of(known: Mapping[str, Profile], name: str) -> list[str]:
    profile = role_chain(known, name)[0]  # an unknown or broken profile: say so
    if profile.chosen_regions:
        return list(profile.chosen_regions)
    botocore_name = None if name == ENVIRONMENT_PROFILE else name
    core = botocore.session.Session(profile=botocore_name)
    with aws_errors.settings_translated(core, name):
        region = core.get_config_variable("region")  # AWS_REGION / AWS_DEFAULT_REGION
    if not region:
        raise ConfigurationError(
            f"Profile '{name}' names no region. Add region (or ssmgui_regions) to its section "
            "in ~/.aws/config, or pass --region."
        )
    return [checked_region(str(region), f"profile '{name}' (botocore's region)")]


def json_document(instances: Sequence[Instance], results: Sequence[RegionResult]) -> object:
    """`{"instances": [...], "regions": [{profile, region, count, error}]}`."""
    return {
        "instances": [instance_to_dict(i) for i in instances],
        "regions": [
            {
                "profile": r.profile,
                "region": r.region,
                "count": len(r.instances),
                "error": r.error.user_message if r.error else None,
            }
            for r in results
        ],
    }


def print_table(instances: Sequence[Instance]) -> None:
    for i in instances:
        flags = "" if i.supports_port_forwarding else "  (agent too old for port forwarding)"
        print(
            f"{i.instance_id:<20} {i.name[:32]:<32} {i.platform.value:<8} "
            f"{i.ping_status.value:<15} {i.private_ip:<15} {i.profile}/{i.region}{flags}"
        )
    print(f"{len(instances)} instance(s)", file=sys.stderr)
