"""AWS refusals become actionable messages; SSO tells the user what to run."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from ssmgui.core.errors import CredentialsError, MfaError, SsoLoginRequiredError
from ssmgui.services.aws.errors import client_error
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.sso import sso_cache_dir
from tests.services.identity.conftest import ScriptedPrompt, ServiceFactory, write_aws_files


def refusal(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "GetSessionToken")


@pytest.mark.parametrize(
    ("code", "message", "kind", "advice"),
    [
        (
            "AccessDenied",
            "MultiFactorAuthentication failed with invalid MFA one time pass code.",
            MfaError,
            "next code",
        ),
        (
            "AccessDenied",
            "MultiFactorAuthentication failed, unable to validate MFA code",
            MfaError,
            "already used",
        ),
        (
            "SignatureDoesNotMatch",
            "Signature expired: 20261123T010000Z is now earlier than ...",
            CredentialsError,
            "clock",
        ),
        ("RequestExpired", "Request has expired.", CredentialsError, "clock"),
        (
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            CredentialsError,
            "Put a current key",
        ),
        (
            "ExpiredToken",
            "The security token included in the request is expired",
            CredentialsError,
            "ssmgui login p",
        ),
    ],
)
def test_refusals_say_what_to_do(
    code: str, message: str, kind: type[Exception], advice: str
) -> None:
    error = client_error("p", "start an MFA session", refusal(code, message))
    assert type(error) is kind
    assert advice in error.user_message


SSO_CONFIG = """
[profile corp]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Ops

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile old]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Dev
"""


def write_token(home: Path, key_source: str, expires_at: datetime) -> None:
    import hashlib

    cache = sso_cache_dir(home)
    cache.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(key_source.encode()).hexdigest()
    token = {"accessToken": "tok", "expiresAt": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
    (cache / f"{name}.json").write_text(json.dumps(token))


def test_missing_sso_token_says_run_aws_sso_login(
    aws_home: Path, make_service: ServiceFactory
) -> None:
    service = make_service(
        write_aws_files(aws_home, SSO_CONFIG), SecretStore(None), ScriptedPrompt()
    )
    assert service.needs_login("corp")
    with pytest.raises(SsoLoginRequiredError, match="aws sso login --profile corp"):
        service.credentials("corp")


def test_expired_legacy_sso_token_says_run_aws_sso_login(
    aws_home: Path, make_service: ServiceFactory
) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    write_token(aws_home, "https://old.awsapps.com/start", past)
    service = make_service(
        write_aws_files(aws_home, SSO_CONFIG), SecretStore(None), ScriptedPrompt()
    )
    with pytest.raises(SsoLoginRequiredError, match="aws sso login --profile old"):
        service.credentials("old")


def test_cached_sso_token_expiry_is_reported(aws_home: Path, make_service: ServiceFactory) -> None:
    later = (datetime.now(UTC) + timedelta(hours=8)).replace(microsecond=0)
    write_token(aws_home, "corp", later)
    service = make_service(
        write_aws_files(aws_home, SSO_CONFIG), SecretStore(None), ScriptedPrompt()
    )
    assert service.expires_at("corp") == later
    assert not service.needs_login("corp")
