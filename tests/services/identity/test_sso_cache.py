"""A damaged SSO token file (~/.aws/sso/cache/<sha1>.json) is a sign-in to renew, named with
its path, never a KeyError or a TypeError; what is not a file there does not hang."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ssmgui.core.errors import SsoLoginRequiredError
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.sso import sso_cache_dir
from tests.services.identity.conftest import ScriptedPrompt, ServiceFactory, write_aws_files
from tests.services.identity.test_errors_and_sso import SSO_CONFIG

TOKEN = "aoaAAAAAGTOPSECRETACCESSTOKEN"


def token_path(home: Path, key_source: str) -> Path:
    cache = sso_cache_dir(home)
    cache.mkdir(parents=True, exist_ok=True)
    return cache / f"{hashlib.sha1(key_source.encode()).hexdigest()}.json"


def writes(content: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(content)


def as_json(value: object) -> Callable[[Path], object]:
    return writes(json.dumps(value).encode())


DAMAGES: dict[str, tuple[Callable[[Path], object], str]] = {
    "binary": (writes(b"\x00\xff" + TOKEN.encode()), "is not JSON"),
    "truncated": (writes(f'{{"accessToken": "{TOKEN}", "expi'.encode()), "is not JSON"),
    "a list": (as_json([TOKEN]), "is not a JSON object"),
    "a string naming both keys": (as_json("accessToken expiresAt"), "is not a JSON object"),
    "no expiresAt": (as_json({"accessToken": TOKEN}), "has no accessToken or expiresAt"),
    "a number for a token": (
        as_json({"accessToken": 5, "expiresAt": "2099-01-01T00:00:00Z"}),
        "has no accessToken or expiresAt",
    ),
    "a time that is not one": (
        as_json({"accessToken": TOKEN, "expiresAt": "tomorrow"}),
        "has an expiresAt that is not a time",
    ),
    "a FIFO": (os.mkfifo, "is a named pipe (FIFO), not a file"),
    "a folder": (lambda path: path.mkdir(), "is a directory, not a file"),
    "a link loop": (lambda path: path.symlink_to(path), "a symbolic link that loops"),
    "a broken link": (lambda path: path.symlink_to(path.with_name("gone")), "a link to"),
    "huge": (lambda path: path.write_bytes(b" " * (2 * 1024 * 1024)), "larger than any AWS file"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
@pytest.mark.parametrize(
    ("profile", "key_source"), [("corp", "corp"), ("old", "https://old.awsapps.com/start")]
)
def test_a_damaged_token_file_asks_for_a_new_sign_in_naming_it(
    aws_home: Path, make_service: ServiceFactory, damage: str, profile: str, key_source: str
) -> None:
    make, says = DAMAGES[damage]
    path = token_path(aws_home, key_source)
    make(path)
    service = make_service(
        write_aws_files(aws_home, SSO_CONFIG), SecretStore(None), ScriptedPrompt()
    )
    began = time.monotonic()
    assert service.needs_login(profile)
    assert service.expires_at(profile) is None
    with pytest.raises(SsoLoginRequiredError) as caught:
        service.credentials(profile)
    assert time.monotonic() - began < 2
    message = caught.value.user_message
    assert str(path) in message and says in message
    assert f"aws sso login --profile {profile}" in message
    assert TOKEN not in message
