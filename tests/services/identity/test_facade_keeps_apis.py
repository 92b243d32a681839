"""The facade builds a (profile, region)'s SessionApi once and keeps it while it stays
right: its botocore client is most of a warm tunnel's start (bench/open.py), so the GUI's
second tunnel to a profile must not build another. Over moto, with real MFA sessions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles, ProfileCache
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.identity_facade import IdentityFacade
from tests.services.identity.conftest import (
    ONE_ATTEMPT,
    FakeClock,
    IamUser,
    ScriptedPrompt,
    user_files,
)


def facade_over(
    files: AwsFiles, moto_endpoint: str, prompt: ScriptedPrompt, clock: FakeClock, home: Path
) -> IdentityFacade:
    """As the app builds it: profiles read again only when the files change."""
    service = IdentityService(
        load_profiles=ProfileCache(files, {}),
        store=SecretStore(None),
        clients=AwsClients(config=ONE_ATTEMPT, endpoint_url=moto_endpoint),
        prompt=prompt,
        sso_cache_dir=home / ".aws" / "sso" / "cache",
        clock=clock,
    )
    return IdentityFacade(service, ssm_endpoint_for=lambda _profile, _region: moto_endpoint)


async def test_a_profiles_api_is_built_once_and_kept(
    moto_endpoint: str, aws_home: Path, iam_user: IamUser
) -> None:
    prompt, clock = ScriptedPrompt(), FakeClock()
    facade = facade_over(user_files(aws_home, iam_user), moto_endpoint, prompt, clock, aws_home)
    first = await facade.api_for("keys", "eu-west-1")
    assert await facade.api_for("keys", "eu-west-1") is first
    assert len(prompt.requests) == 1  # one MFA code for both
    assert await facade.api_for("keys", "us-east-1") is not first
    assert await facade.api_for("plain", "eu-west-1") is not first
    credentials = await first.frozen_credentials()
    assert credentials.token  # the MFA session's, not the long-term keys


async def test_changed_aws_files_build_a_new_api(
    moto_endpoint: str, aws_home: Path, iam_user: IamUser
) -> None:
    files = user_files(aws_home, iam_user)
    facade = facade_over(files, moto_endpoint, ScriptedPrompt(), FakeClock(), aws_home)
    first = await facade.api_for("plain", "eu-west-1")
    files.config.write_text(files.config.read_text() + "\n# edited\n", encoding="utf-8")
    assert await facade.api_for("plain", "eu-west-1") is not first


async def test_a_forgotten_or_ended_sign_in_asks_again_and_builds_anew(
    moto_endpoint: str, aws_home: Path, iam_user: IamUser
) -> None:
    prompt, clock = ScriptedPrompt(), FakeClock()
    facade = facade_over(user_files(aws_home, iam_user), moto_endpoint, prompt, clock, aws_home)
    first = await facade.api_for("keys", "eu-west-1")
    facade.forget("keys")
    second = await facade.api_for("keys", "eu-west-1")
    assert second is not first and len(prompt.requests) == 2
    clock.advance(timedelta(days=2))  # the MFA session has run out
    third = await facade.api_for("keys", "eu-west-1")
    # asked again (moto's new session, dated by the real clock, looks old to this one too)
    assert third is not second and len(prompt.requests) >= 3
