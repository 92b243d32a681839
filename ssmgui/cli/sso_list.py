"""`ssmgui list --sso-session S --account A --role R`: list the instances an (account,
role) of an IAM Identity Center sign-in reaches, with no profile for it in ~/.aws/config.

The sign-in must exist (`ssmgui login S`, or `aws sso login`); it is refreshed silently
when it can be, and never opens a browser here. The pair appears in the listing as
`S:<account name>/<role>` where a profile name would.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import boto3

from ssmgui.core.errors import ConfigurationError
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles
from ssmgui.services.identity.sso import sso_cache_dir
from ssmgui.services.identity.sso_accounts import SsoDirectory
from ssmgui.services.identity.sso_login import SignInUi, SsoSignIn
from ssmgui.services.identity.sso_sessions import find_sso_session


def add_arguments(listing: argparse.ArgumentParser) -> None:
    listing.add_argument(
        "--sso-session",
        metavar="S",
        help="list an (account, role) of this IAM Identity Center sign-in instead of "
        "profiles (an sso-session or SSO profile name; with --account and --role)",
    )
    listing.add_argument("--account", metavar="A", help="with --sso-session: account id or name")
    listing.add_argument("--role", metavar="R", help="with --sso-session: role name")


def role_sessions(
    args: argparse.Namespace,
) -> tuple[dict[str, boto3.Session], list[tuple[str, str]]]:
    """A boto3 session on the pair's role credentials, under the pair's label, and the
    (label, region) pairs to list (--region, else the SSO region)."""
    if not args.account or not args.role:
        raise ConfigurationError("--sso-session needs --account A and --role R.")
    if getattr(args, "demo", False):
        raise ConfigurationError("The demo has no IAM Identity Center yet: leave out --demo.")
    session = find_sso_session(AwsFiles.from_environment().config, args.sso_session)
    clients = AwsClients()
    signer = SsoSignIn(clients, sso_cache_dir(Path.home()), _utc_now, SignInUi(tell=_tell))
    directory = SsoDirectory(signer, clients, _utc_now)
    pair = directory.pair(session, args.account, args.role)
    credentials = directory.credentials(pair)
    boto = boto3.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
    )
    regions = list(args.region or [session.region])
    return {pair.label: boto}, [(pair.label, region) for region in regions]


def _tell(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _utc_now() -> datetime:
    return datetime.now(UTC)
