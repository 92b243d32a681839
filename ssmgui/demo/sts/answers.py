"""The XML answers of the fake STS / IAM (`server.py`), shaped as botocore parses AWS's.

Success: `<{Action}Response xmlns=NS><{Action}Result>…</…Result><ResponseMetadata>`;
errors: `<ErrorResponse xmlns=NS><Error><Type>Sender</Type><Code>…` with HTTP 400/403/404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

NAMESPACES = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}


class StsError(Exception):
    """An AWS error answer: `code` and `message` (never a secret), HTTP `status`."""

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Issued:
    """Temporary credentials as STS hands them out."""

    access_key_id: str
    secret_access_key: str
    session_token: str = ""
    expiration: datetime | None = None

    def __repr__(self) -> str:  # the secret and token must never reach a log
        return f"Issued(access_key_id={self.access_key_id!r}, expiration={self.expiration})"


def _timestamp(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else ""


def _response(namespace: str, action: str, result: str) -> str:
    return (
        f'<{action}Response xmlns="{NAMESPACES[namespace]}">'
        f"<{action}Result>{result}</{action}Result>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )


def _credentials(issued: Issued) -> str:
    return (
        f"<Credentials><AccessKeyId>{issued.access_key_id}</AccessKeyId>"
        f"<SecretAccessKey>{escape(issued.secret_access_key)}</SecretAccessKey>"
        f"<SessionToken>{escape(issued.session_token)}</SessionToken>"
        f"<Expiration>{_timestamp(issued.expiration)}</Expiration></Credentials>"
    )


def caller_identity_xml(arn: str, user_id: str, account: str) -> str:
    result = (
        f"<Arn>{escape(arn)}</Arn><UserId>{escape(user_id)}</UserId><Account>{account}</Account>"
    )
    return _response("sts", "GetCallerIdentity", result)


def session_token_xml(issued: Issued) -> str:
    return _response("sts", "GetSessionToken", _credentials(issued))


def assume_role_xml(issued: Issued, arn: str, assumed_role_id: str) -> str:
    user = (
        f"<AssumedRoleUser><AssumedRoleId>{escape(assumed_role_id)}</AssumedRoleId>"
        f"<Arn>{escape(arn)}</Arn></AssumedRoleUser>"
    )
    return _response("sts", "AssumeRole", _credentials(issued) + user)


def account_aliases_xml(aliases: list[str]) -> str:
    members = "".join(f"<member>{escape(alias)}</member>" for alias in aliases)
    result = f"<AccountAliases>{members}</AccountAliases><IsTruncated>false</IsTruncated>"
    return _response("iam", "ListAccountAliases", result)


def mfa_devices_xml(devices: list[tuple[str, str]]) -> str:
    """`devices`: (user name, serial number) pairs."""
    members = "".join(
        f"<member><UserName>{escape(user)}</UserName><SerialNumber>{escape(serial)}"
        "</SerialNumber><EnableDate>2024-01-01T00:00:00Z</EnableDate></member>"
        for user, serial in devices
    )
    result = f"<MFADevices>{members}</MFADevices><IsTruncated>false</IsTruncated>"
    return _response("iam", "ListMFADevices", result)


def error_xml(namespace: str, error: StsError) -> str:
    return (
        f'<ErrorResponse xmlns="{NAMESPACES[namespace]}"><Error><Type>Sender</Type>'
        f"<Code>{error.code}</Code><Message>{escape(error.message)}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
