"""Container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI) reach a profile
without keys exactly as botocore gets them: a real HTTP server on loopback (botocore allows
FULL_URI to 127.0.0.1) serves the container's credential JSON, and what ssmgui's session
signs with is compared to `botocore.session.Session().get_credentials()` in the same
environment. The authorization token never reaches a message or a log line.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import botocore.session
import pytest

from ssmgui.core.errors import SsmGuiError
from ssmgui.core.profile import ENVIRONMENT_PROFILE, ProfileKind
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

TOKEN = "container-token-Zx81"  # the secret the tests look for in messages


class ContainerEndpoint:
    """The container credential endpoint: answers the keys when Authorization is `TOKEN`."""

    def __init__(self, user: IamUser) -> None:
        self.user = user
        self.authorizations: list[str | None] = []
        self.status = 200
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name
                endpoint.authorizations.append(self.headers.get("Authorization"))
                status, body = endpoint.answer(self.headers.get("Authorization"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v2/credentials/task"

    def answer(self, authorization: str | None) -> tuple[int, bytes]:
        if authorization != TOKEN or self.status != 200:
            # Echoes what it was sent, as a careless endpoint might: it must not travel.
            return self.status if self.status != 200 else 401, f"bad {authorization}".encode()
        expiry = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {
            "AccessKeyId": self.user.access_key_id,
            "SecretAccessKey": self.user.secret_access_key,
            "Token": "session-token-from-the-container",
            "Expiration": expiry,
            "RoleArn": "arn:aws:iam::123456789012:role/task",
        }
        return 200, json.dumps(body).encode()


@pytest.fixture
def container(
    iam_user: IamUser, aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ContainerEndpoint]:
    endpoint = ContainerEndpoint(iam_user)
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url)
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", TOKEN)
    monkeypatch.delenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()
    thread.join(5)


@pytest.fixture
def make_service(moto_endpoint: str, aws_home: Path) -> Callable[[str], IdentityService]:
    """An IdentityService over moto for a config file, reading the process's environment
    (where the container variables are) as the app does."""

    def build(config: str) -> IdentityService:
        files = write_aws_files(aws_home, config)
        return IdentityService(
            load_profiles=lambda: load_profiles(files),
            store=SecretStore(MemoryKeyring()),
            clients=AwsClients(config=ONE_ATTEMPT, endpoint_url=moto_endpoint),
            prompt=ScriptedPrompt(),
            sso_cache_dir=aws_home / ".aws" / "sso" / "cache",
        )

    return build


Keys = tuple[str | None, str | None, str | None]


def _botocore_keys(profile: str | None) -> Keys:
    credentials = botocore.session.Session(profile=profile).get_credentials()
    assert credentials is not None
    frozen = credentials.get_frozen_credentials()
    return frozen.access_key, frozen.secret_key, frozen.token


def _signing_keys(session: boto3.Session) -> Keys:
    credentials = session.get_credentials()
    assert credentials is not None
    frozen = credentials.get_frozen_credentials()
    return frozen.access_key, frozen.secret_key, frozen.token


def test_a_profile_without_keys_signs_with_the_container_s_as_botocore_does(
    container: ContainerEndpoint, make_service: Callable[[str], IdentityService], aws_home: Path
) -> None:
    service = make_service("[profile box]\nregion = eu-west-1\n")
    assert service.profiles()["box"].kind is ProfileKind.CONTAINER
    session = service.session_for("box")
    assert _signing_keys(session) == _botocore_keys("box")
    assert _signing_keys(session)[0] == container.user.access_key_id
    identity = service.whoami("box")
    assert identity.arn.endswith(f"user/{container.user.name}")
    assert "container" in identity.kept_in
    assert set(container.authorizations) == {TOKEN}


def test_the_token_file_is_sent_as_botocore_sends_it(
    container: ContainerEndpoint,
    make_service: Callable[[str], IdentityService],
    aws_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token_file = aws_home / "token"
    token_file.write_text(TOKEN)
    monkeypatch.delenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token_file))
    service = make_service("[profile box]\nregion = eu-west-1\n")
    assert _signing_keys(service.session_for("box")) == _botocore_keys("box")


def test_with_no_profiles_the_unnamed_session_is_listed_and_uses_the_container(
    container: ContainerEndpoint,
    make_service: Callable[[str], IdentityService],
    aws_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    service = make_service("")
    profile = service.profiles()[ENVIRONMENT_PROFILE]
    assert (profile.kind, profile.region) == (ProfileKind.CONTAINER, "eu-west-1")
    session = service.session_for(ENVIRONMENT_PROFILE)
    assert _signing_keys(session) == _botocore_keys(None)


def test_a_default_profile_with_keys_is_not_doubled_by_the_container(
    container: ContainerEndpoint, aws_home: Path
) -> None:
    files = write_aws_files(
        aws_home,
        "[default]\nregion = eu-west-1\n",
        "[default]\naws_access_key_id = AKIAOWN\naws_secret_access_key = own\n",
    )
    profiles = load_profiles(files, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": container.url})
    assert set(profiles) == {"default"}
    assert profiles["default"].kind is ProfileKind.STATIC


def test_without_container_variables_a_profile_without_keys_has_none(aws_home: Path) -> None:
    files = write_aws_files(aws_home, "[profile box]\nregion = eu-west-1\n")
    assert load_profiles(files, {})["box"].kind is ProfileKind.NO_CREDENTIALS


def test_a_refusing_endpoint_is_named_and_the_token_is_never_told(
    container: ContainerEndpoint,
    make_service: Callable[[str], IdentityService],
    aws_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("botocore.utils.ContainerMetadataFetcher.SLEEP_TIME", 0)
    container.status = 403
    caplog.set_level(logging.INFO)
    service = make_service("[profile box]\nregion = eu-west-1\n")
    with pytest.raises(SsmGuiError) as raised:
        service.session_for("box").get_credentials()
    message = raised.value.user_message
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" in message
    assert TOKEN not in message and TOKEN not in str(raised.value)
    assert TOKEN not in caplog.text


def test_a_fifo_token_file_is_refused_instead_of_blocking(
    container: ContainerEndpoint,
    make_service: Callable[[str], IdentityService],
    aws_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fifo = aws_home / "token-fifo"
    os.mkfifo(fifo)
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(fifo))
    service = make_service("[profile box]\nregion = eu-west-1\n")
    with pytest.raises(SsmGuiError) as raised:
        service.session_for("box").get_credentials()
    assert "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" in raised.value.user_message


def test_a_token_with_a_line_break_is_refused_without_quoting_it(
    container: ContainerEndpoint,
    make_service: Callable[[str], IdentityService],
    aws_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", TOKEN + "\r\nX-Injected: 1")
    service = make_service("[profile box]\nregion = eu-west-1\n")
    with pytest.raises(SsmGuiError) as raised:
        service.session_for("box").get_credentials()
    assert "single line" in raised.value.user_message
    assert TOKEN not in raised.value.user_message
