"""`ssmgui login <sso-session or SSO profile> [--device-code]`: IAM Identity Center sign-in
from a terminal, shared with the AWS CLI through its token cache.

The browser sign-in opens the user's browser (`webbrowser`, which honours $BROWSER) and
waits for it to come back to 127.0.0.1; `--device-code` shows a URL and a code to confirm
on any device instead. Instructions go to stderr, the outcome to stdout; the token itself
is never printed or logged.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles
from ssmgui.services.identity.sso import sso_cache_dir
from ssmgui.services.identity.sso_login import SignInUi, SsoSignIn
from ssmgui.services.identity.sso_sessions import NotSsoError, SsoSession, find_sso_session


def sso_target(name: str) -> SsoSession | None:
    """The SSO sign-in `name` means in the user's config, None when it is not one (an
    unknown name or a profile without SSO: the MFA login handles and reports those)."""
    try:
        return find_sso_session(AwsFiles.from_environment().config, name)
    except NotSsoError:
        return None


def run_sso_login(args: argparse.Namespace, session: SsoSession, ui: SignInUi | None = None) -> int:
    """Sign `session` in (a new sign-in even when one is cached) and say until when."""
    signer = SsoSignIn(
        AwsClients(), sso_cache_dir(Path.home()), _utc_now, ui or SignInUi(tell=_tell)
    )
    token = signer.sign_in(session, device_code=bool(getattr(args, "device_code", False)))
    kind = "session" if session.name else "profile"
    print(f"Signed in to IAM Identity Center ({kind} '{session.label}', {session.start_url}).")
    print(f"Valid until: {_describe(token.expires_at)}")
    refresh = "renewed without a browser until then" if token.refresh_token else "not renewable"
    print(f"The sign-in is shared with the AWS CLI and {refresh}.")
    return 0


def _tell(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _describe(when: datetime) -> str:
    minutes = int((when - _utc_now()).total_seconds() // 60)
    local = when.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return f"{local} (in {minutes // 60} h {minutes % 60} min)"
