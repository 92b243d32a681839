"""An SSO token's expiry is read in every form botocore and the AWS CLI write.

botocore rewrites the cache file when it refreshes an sso_session token, through its own
JSONFileCache serializer, and that writes "2026-12-06T15:04:13UTC"; old AWS CLI v2 caches
use the same form. Reading it with fromisoformat failed, and every listing after the first
refresh ended in a ValueError traceback.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.utils import JSONFileCache

from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.sso import sso_cache_dir
from tests.services.identity.conftest import ScriptedPrompt, ServiceFactory, write_aws_files

CONFIG = """
[profile corp]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Ops

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
"""
EXPIRY = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)


def cache_key() -> str:
    return hashlib.sha1(b"corp").hexdigest()  # botocore's key for an sso_session


@pytest.mark.parametrize(
    "written",
    [
        EXPIRY.strftime("%Y-%m-%dT%H:%M:%SZ"),
        EXPIRY.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        EXPIRY.strftime("%Y-%m-%dT%H:%M:%SUTC"),
        EXPIRY.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    ],
)
def test_each_written_form_of_the_expiry_is_read(
    written: str, aws_home: Path, make_service: ServiceFactory
) -> None:
    cache = sso_cache_dir(aws_home)
    cache.mkdir(parents=True, exist_ok=True)
    token = {"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
             "accessToken": "tok", "expiresAt": written}  # fmt: skip
    (cache / f"{cache_key()}.json").write_text(json.dumps(token), encoding="utf-8")
    service = make_service(write_aws_files(aws_home, CONFIG), SecretStore(None), ScriptedPrompt())
    assert service.expires_at("corp") == EXPIRY
    assert not service.needs_login("corp")


def test_a_token_file_written_by_botocores_own_cache_is_read(
    aws_home: Path, make_service: ServiceFactory
) -> None:
    """The reference: botocore's JSONFileCache, which its SSOTokenProvider writes through."""
    cache = sso_cache_dir(aws_home)
    botocore_cache = JSONFileCache(str(cache))
    botocore_cache[cache_key()] = {
        "startUrl": "https://corp.awsapps.com/start",
        "region": "eu-west-1",
        "accessToken": "tok",
        "expiresAt": EXPIRY,  # a datetime, serialised as botocore serialises it
    }
    written = json.loads((cache / f"{cache_key()}.json").read_text())["expiresAt"]
    assert written.endswith("UTC")  # the form that broke the old parser
    service = make_service(write_aws_files(aws_home, CONFIG), SecretStore(None), ScriptedPrompt())
    assert service.expires_at("corp") == EXPIRY
