"""Profiles signed in with `aws login` (`login_session`) sign as botocore signs for them.

The pinned botocore has a `LoginProvider` (with awscrt installed through `boto3[crt]`), so
the reference is botocore itself: a login cache file as the AWS CLI writes it
(~/.aws/login/cache/<sha256 of the session name>.json), then what ssmgui's session signs
with compared to `botocore.session.Session(profile=…).get_credentials()`. An ended session
is renewed by botocore against the sign-in service (a loopback server here, through
AWS_ENDPOINT_URL_SIGNIN); when that refuses, or no session was ever started, the message
says to run `aws login`, never a traceback.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.utils import generate_login_cache_key
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ssmgui.core.errors import SsmGuiError
from ssmgui.core.profile import ProfileKind
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import load_profiles
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.service import IdentityService
from tests.services.identity.conftest import (
    ONE_ATTEMPT,
    IamUser,
    MemoryKeyring,
    ScriptedPrompt,
    write_aws_files,
)

SESSION = "arn:aws:iam::123456789012:user/console-person"
CONFIG = f"[profile console]\nregion = eu-west-1\nlogin_session = {SESSION}\n"


def _dpop_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def write_login_cache(cache: Path, user: IamUser, expires_at: datetime) -> None:
    """The cache file `aws login` leaves for SESSION."""
    cache.mkdir(parents=True, exist_ok=True)
    token = {
        "accessToken": {
            "accessKeyId": user.access_key_id,
            "secretAccessKey": user.secret_access_key,
            "sessionToken": "login-session-token",
            "accountId": "123456789012",
            "expiresAt": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "tokenType": "aws_sigv4",
        "refreshToken": "refresh-token-secret",
        "clientId": "arn:aws:signin:::devtools/same-device",
        "dpopKey": _dpop_key(),
    }
    (cache / f"{generate_login_cache_key(SESSION)}.json").write_text(json.dumps(token))


class RefusingSignIn:
    """The sign-in service, refusing every renewal as AWS does when the session ended."""

    def __init__(self) -> None:
        self.calls = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's name
                owner.calls += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps({"error": "TOKEN_EXPIRED", "message": "Session expired"})
                self.send_response(403)
                self.send_header("Content-Type", "application/json")
                self.send_header("x-amzn-ErrorType", "AccessDeniedException")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def login_cache(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = aws_home / ".aws" / "login" / "cache"
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIRECTORY", str(cache))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return cache


@pytest.fixture
def sign_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[RefusingSignIn]:
    service = RefusingSignIn()
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", service.url)
    yield service
    service.server.shutdown()
    service.server.server_close()
    thread.join(5)


@pytest.fixture
def make_service(moto_endpoint: str, aws_home: Path) -> Callable[[str], IdentityService]:
    def build(config: str) -> IdentityService:
        files = write_aws_files(aws_home, config)
        return IdentityService(
            load_profiles=lambda: load_profiles(files, {}),
            store=SecretStore(MemoryKeyring()),
            clients=AwsClients(config=ONE_ATTEMPT, endpoint_url=moto_endpoint),
            prompt=ScriptedPrompt(),
            sso_cache_dir=aws_home / ".aws" / "sso" / "cache",
        )

    return build


def _keys(session: boto3.Session | botocore.session.Session) -> tuple[object, ...]:
    credentials = session.get_credentials()
    assert credentials is not None
    frozen = credentials.get_frozen_credentials()
    return frozen.access_key, frozen.secret_key, frozen.token


def test_a_current_login_session_signs_as_botocore_signs(
    login_cache: Path, iam_user: IamUser, make_service: Callable[[str], IdentityService]
) -> None:
    write_login_cache(login_cache, iam_user, datetime.now(UTC) + timedelta(minutes=30))
    service = make_service(CONFIG)
    assert service.profiles()["console"].kind is ProfileKind.LOGIN
    session = service.session_for("console")
    assert _keys(session) == _keys(botocore.session.Session(profile="console"))
    assert _keys(session)[0] == iam_user.access_key_id
    assert service.whoami("console").arn.endswith(f"user/{iam_user.name}")


def test_an_ended_session_that_cannot_be_renewed_says_run_aws_login(
    login_cache: Path,
    iam_user: IamUser,
    sign_in: RefusingSignIn,
    make_service: Callable[[str], IdentityService],
) -> None:
    write_login_cache(login_cache, iam_user, datetime.now(UTC) - timedelta(minutes=5))
    service = make_service(CONFIG)
    with pytest.raises(SsmGuiError) as raised:
        service.session_for("console").get_credentials()
    assert sign_in.calls >= 1  # botocore did try to renew it
    assert "aws login --profile console" in raised.value.user_message
    assert "refresh-token-secret" not in raised.value.user_message


def test_a_session_never_started_here_says_run_aws_login(
    login_cache: Path, make_service: Callable[[str], IdentityService]
) -> None:
    service = make_service(CONFIG)
    with pytest.raises(SsmGuiError) as raised:
        service.session_for("console").get_credentials()
    assert "aws login --profile console" in raised.value.user_message


def test_without_botocore_s_crt_part_the_profile_says_what_to_install(
    login_cache: Path,
    iam_user: IamUser,
    make_service: Callable[[str], IdentityService],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_login_cache(login_cache, iam_user, datetime.now(UTC) + timedelta(minutes=30))
    monkeypatch.setattr("botocore.credentials.EC", None)  # as when awscrt is not installed
    service = make_service(CONFIG)
    with pytest.raises(SsmGuiError) as raised:
        service.session_for("console")
    assert "botocore[crt]" in raised.value.user_message
    assert "aws login" in raised.value.user_message


def test_with_a_botocore_older_than_aws_login_the_profile_says_upgrade(
    login_cache: Path,
    make_service: Callable[[str], IdentityService],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr("botocore.credentials.LoginProvider")  # as in botocore before it
    service = make_service(CONFIG)
    with pytest.raises(SsmGuiError) as raised:
        service.session_for("console")
    assert "needs botocore 1.44 or later" in raised.value.user_message
