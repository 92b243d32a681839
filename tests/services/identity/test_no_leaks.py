"""Secrets never reach logs, exception text, printed output or files under HOME."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from ssmgui.core.errors import SsmGuiError
from ssmgui.services.identity.profiles import load_profiles
from ssmgui.services.identity.secrets import SecretStore
from tests.services.identity.conftest import (
    IamUser,
    MemoryKeyring,
    ScriptedPrompt,
    ServiceFactory,
    user_files,
    write_aws_files,
)


def test_no_secret_in_logs_errors_output_or_files(
    aws_home: Path,
    iam_user: IamUser,
    make_service: ServiceFactory,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG, logger="ssmgui")
    caplog.set_level(logging.INFO)
    files = user_files(aws_home, iam_user)
    locked = MemoryKeyring()
    locked.locked = True
    errors: list[str] = []

    service = make_service(files, SecretStore(MemoryKeyring()), ScriptedPrompt(["1", "123456"]))
    mfa = service.credentials("keys")
    role = service.credentials("admin")
    print(service.whoami("admin"), repr(mfa), repr(role))
    make_service(files, SecretStore(locked), ScriptedPrompt()).login("keys")
    attempts: list[Callable[[], object]] = [
        lambda: make_service(files, SecretStore(None), ScriptedPrompt([None])).login("admin"),
        lambda: service.login("unknown-profile"),
    ]
    for attempt in attempts:
        with pytest.raises(SsmGuiError) as caught:
            attempt()
        errors += [str(caught.value), repr(caught.value), caught.value.user_message]
    assert mfa is not None and role is not None
    (aws_home / "x" / ".aws").mkdir(parents=True)
    leaky_line = f"[p]\naws_secret_access_key {mfa.secret_access_key}\n"
    broken = write_aws_files(aws_home / "x", "", leaky_line)
    with pytest.raises(SsmGuiError) as malformed:
        load_profiles(broken, {})
    errors += [str(malformed.value), malformed.value.user_message]

    secrets = {
        mfa.secret_access_key,
        mfa.session_token,
        role.secret_access_key,
        role.session_token,
    }
    out = capsys.readouterr()
    texts = {"logs": caplog.text, "errors": "\n".join(errors), "out": out.out + out.err}
    for path in aws_home.rglob("*"):
        if path.is_file() and path != broken.credentials:
            texts[str(path)] = path.read_text(errors="replace")
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"
    long_term = iam_user.secret_access_key
    assert [w for w, t in texts.items() if long_term in t] == [str(files.credentials)]
