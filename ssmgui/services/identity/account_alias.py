"""An account's alias (iam:ListAccountAliases), to name the account in labels.

The alias only labels things, so it is asked for once and cheaply, and every failure (most
often a policy that does not allow the call; also no network, no credentials, an answer
botocore cannot read — its parsers raise more than BotoCoreError) is "" and a line in the
log, never an error shown to the person or a failed listing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ssmgui.core.errors import SsmGuiError
from ssmgui.services.aws.clients import AwsClients

log = logging.getLogger(__name__)


def account_alias(session: Callable[[], boto3.Session], clients: AwsClients, profile: str) -> str:
    """The first alias of the account `session()` signs in to; "" if none or not allowed."""
    try:
        answer = clients.iam(session()).list_account_aliases(MaxItems=1)
    except (SsmGuiError, BotoCoreError, ClientError) as exc:
        reason = exc.user_message if isinstance(exc, SsmGuiError) else str(exc)
        log.info("no account alias for profile %s: %s", profile, reason)
        return ""
    except Exception as exc:  # botocore could not read the answer: a proxy's page, not IAM
        log.info("no account alias for profile %s: unreadable answer (%r)", profile, exc)
        return ""
    aliases = answer.get("AccountAliases") or []
    return str(aliases[0]) if aliases else ""
