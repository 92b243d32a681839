"""The MFA flow end to end against moto's HTTP server on loopback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ssmgui.core.credentials import IdentitySettings
from ssmgui.core.errors import MfaError
from ssmgui.services.identity.expiry import ExpiryMonitor
from ssmgui.services.identity.secrets import SecretStore
from tests.services.identity.conftest import (
    FakeClock,
    IamUser,
    MemoryKeyring,
    ScriptedPrompt,
    ServiceFactory,
    user_files,
)


@pytest.mark.slow
def test_one_prompt_serves_keys_and_role_and_survives_a_restart(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    files = user_files(aws_home, iam_user)
    backend, prompt = MemoryKeyring(), ScriptedPrompt()
    service = make_service(files, SecretStore(backend), prompt)

    me = service.login("keys")
    role = service.whoami("admin")

    assert len(prompt.requests) == 1
    assert prompt.requests[0].serial_number == iam_user.mfa_serial
    assert me.account == "123456789012" and me.expires_at is not None
    assert "assumed-role" in role.arn and role.expires_at == me.expires_at
    assert "OS keyring (conftest MemoryKeyring" in me.kept_in
    stored = [user for (_, user) in backend.entries if not user.count("#")]
    assert stored == ["mfa-session:keys"]

    restarted = make_service(files, SecretStore(backend), prompt)
    assert restarted.whoami("admin").arn == role.arn
    assert len(prompt.requests) == 1  # no second prompt after the "restart"


@pytest.mark.slow
def test_session_duration_from_settings(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    clock = FakeClock()
    service = make_service(
        user_files(aws_home, iam_user), SecretStore(None), ScriptedPrompt(), clock
    )
    expires = service.login("keys").expires_at
    assert expires is not None
    # moto stamps expiry from its own clock; allow a minute around 12 h.
    assert abs((expires - clock.now) - timedelta(seconds=43_200)) < timedelta(minutes=1)


@pytest.mark.slow
def test_expired_session_prompts_again_and_roles_renew(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    clock, prompt = FakeClock(), ScriptedPrompt()
    service = make_service(
        user_files(aws_home, iam_user), SecretStore(MemoryKeyring()), prompt, clock
    )
    first_role = service.credentials("admin")
    clock.advance(timedelta(minutes=50))  # role (1 h) is inside its 15-min renewal window
    renewed_role = service.credentials("admin")
    assert first_role is not None and renewed_role is not None
    assert renewed_role.access_key_id != first_role.access_key_id
    assert len(prompt.requests) == 1
    clock.advance(timedelta(hours=12))
    service.credentials("admin")
    assert len(prompt.requests) == 2


def test_malformed_code_is_asked_again_with_the_reason(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    prompt = ScriptedPrompt(answers=["12345", "abcdef", "123 456"])
    service = make_service(user_files(aws_home, iam_user), SecretStore(None), prompt)
    service.login("keys")
    assert [r.attempt for r in prompt.requests] == [1, 2, 3]
    assert prompt.requests[1].problem is not None and "6 digits" in prompt.requests[1].problem


def test_three_bad_codes_and_cancel_are_clear_errors(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    files = user_files(aws_home, iam_user)
    service = make_service(files, SecretStore(None), ScriptedPrompt(answers=["1", "2", "3"]))
    with pytest.raises(MfaError, match="3 attempts failed"):
        service.login("keys")
    cancelled = make_service(files, SecretStore(None), ScriptedPrompt(answers=[None]))
    with pytest.raises(MfaError, match="cancelled"):
        cancelled.login("admin")


@pytest.mark.slow
def test_device_is_discovered_for_plain_keys_and_remembered(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    backend, prompt = MemoryKeyring(), ScriptedPrompt()
    service = make_service(
        user_files(aws_home, iam_user, mfa_on_keys=False), SecretStore(backend), prompt
    )
    service.login("plain")
    assert prompt.requests[0].serial_number == iam_user.mfa_serial
    assert SecretStore(backend).read("mfa-device:plain") == iam_user.mfa_serial
    service.login("plain", force=True)
    assert len(prompt.requests) == 2


def test_no_device_anywhere_says_how_to_add_mfa_serial(
    aws_home: Path, moto_endpoint: str, make_service: ServiceFactory
) -> None:
    import boto3

    iam = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    iam.create_user(UserName="nodevice")
    keys = iam.create_access_key(UserName="nodevice")["AccessKey"]
    files = user_files(
        aws_home,
        IamUser("nodevice", keys["AccessKeyId"], keys["SecretAccessKey"], "", ""),
        mfa_on_keys=False,
    )
    service = make_service(files, SecretStore(None), ScriptedPrompt())
    with pytest.raises(MfaError, match="mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME"):
        service.login("plain")


def test_locked_keyring_keeps_the_session_in_memory_and_says_so(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    backend = MemoryKeyring()
    backend.locked = True
    service = make_service(user_files(aws_home, iam_user), SecretStore(backend), ScriptedPrompt())
    identity = service.login("keys")
    assert "memory only" in identity.kept_in
    assert backend.entries == {}


def test_forget_removes_the_session(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    backend, prompt = MemoryKeyring(), ScriptedPrompt()
    service = make_service(user_files(aws_home, iam_user), SecretStore(backend), prompt)
    service.login("keys")
    assert service.forget("admin") == ["keys"]
    assert not any(user.startswith("mfa-session") for (_, user) in backend.entries)
    assert service.expires_at("keys") is None and service.needs_login("admin")


def test_rotated_keys_discard_the_stored_session(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    backend, prompt = MemoryKeyring(), ScriptedPrompt()
    files = user_files(aws_home, iam_user)
    make_service(files, SecretStore(backend), prompt).login("keys")
    text = files.credentials.read_text().replace(iam_user.access_key_id, "AKIAROTATED0000000")
    files.credentials.write_text(text)
    assert make_service(files, SecretStore(backend), prompt).needs_login("keys")


async def test_session_for_works_from_asyncio(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    service = make_service(user_files(aws_home, iam_user), SecretStore(None), ScriptedPrompt())
    session = await service.session_for_async("admin")
    credentials = session.get_credentials()
    assert credentials is not None and credentials.method == "ssmgui"
    assert session.region_name == "eu-west-1"


def test_expiry_warning_fires_once_before_expiry(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    clock = FakeClock()
    service = make_service(
        user_files(aws_home, iam_user), SecretStore(None), ScriptedPrompt(), clock
    )
    expires = service.login("keys").expires_at
    assert expires is not None
    monitor = ExpiryMonitor(service, lambda: ["keys", "admin", "plain"], clock)
    assert monitor.due() == []
    clock.now = expires - timedelta(minutes=9)
    assert {w.profile_name for w in monitor.due()} == {"keys", "admin"}
    assert monitor.due() == []


def test_a_new_session_length_applies_to_the_next_sign_in(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    """Settings take effect without a restart: the next MFA session asks STS for the new
    length, and the expiry warning moves with it."""
    clock = FakeClock()
    service = make_service(
        user_files(aws_home, iam_user), SecretStore(None), ScriptedPrompt(), clock
    )
    service.apply_settings(IdentitySettings(session_seconds=3_600, warn_before=timedelta(hours=2)))
    expires = service.login("keys").expires_at
    assert expires is not None
    assert abs((expires - clock.now) - timedelta(seconds=3_600)) < timedelta(minutes=1)
    assert service.settings.warn_before == timedelta(hours=2)


@pytest.mark.slow
def test_signing_in_a_source_and_its_role_together_asks_one_code(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    """Renewing several expiring profiles at once: one new MFA session per source profile;
    the role signs in through the session just made."""
    prompt = ScriptedPrompt()
    service = make_service(user_files(aws_home, iam_user), SecretStore(None), prompt)
    service.login("keys")
    service.login_each(["keys", "admin"])
    assert len(prompt.requests) == 2
    assert "assumed-role" in service.whoami("admin").arn
    service.login_each(["admin"])  # alone, the role's sign-in renews its source's session
    assert len(prompt.requests) == 3
