"""Long source_profile chains: assumed in time that grows in a straight line, refused with a
message past the longest ssmgui follows, never a RecursionError or a minute of waiting."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ssmgui.core.errors import ConfigurationError, SsmGuiError
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles, load_profiles
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.service import MAX_ROLE_CHAIN, IdentityService
from tests.services.identity.conftest import (
    ONE_ATTEMPT,
    IamUser,
    ScriptedPrompt,
    ServiceFactory,
    write_aws_files,
)


def chain_files(home: Path, user: IamUser, roles: int) -> AwsFiles:
    """`r0` holds the user's keys; `r1`…`r<roles>` each assume a role from the one before."""
    sections = ["[profile r0]\nregion = eu-west-1"]
    sections += [
        f"[profile r{i}]\nrole_arn = {user.role_arn}\nsource_profile = r{i - 1}"
        for i in range(1, roles + 1)
    ]
    keys = (
        f"[r0]\naws_access_key_id = {user.access_key_id}\n"
        f"aws_secret_access_key = {user.secret_access_key}\n"
    )
    return write_aws_files(home, "\n".join(sections) + "\n", keys)


@pytest.mark.slow
def test_the_longest_chain_followed_is_assumed_in_seconds(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    roles = MAX_ROLE_CHAIN - 1
    files = chain_files(aws_home, iam_user, roles)
    service = make_service(files, SecretStore(None), ScriptedPrompt())
    began = time.monotonic()
    credentials = service.credentials(f"r{roles}")
    took = time.monotonic() - began
    assert credentials is not None
    # A fresh boto3 session per role took about 130 ms a role (8 s for this chain); one
    # botocore session for the chain takes a few ms a role beside moto's answer.
    assert took < 5, f"{roles} roles took {took:.1f} s"


def test_a_chain_longer_than_ssmgui_follows_is_refused_with_a_message(
    aws_home: Path, iam_user: IamUser, make_service: ServiceFactory
) -> None:
    files = chain_files(aws_home, iam_user, 1000)
    service = make_service(files, SecretStore(None), ScriptedPrompt())
    began = time.monotonic()
    with pytest.raises(ConfigurationError) as caught:
        service.whoami("r1000")
    assert "reaches its credentials through 1000 source_profile steps" in str(caught.value)
    assert f"ssmgui follows at most {MAX_ROLE_CHAIN - 1}" in str(caught.value)
    assert time.monotonic() - began < 2


def test_a_role_arn_that_is_not_one_is_never_quoted(aws_home: Path) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPASTEDHERE"
    files = write_aws_files(
        aws_home,
        f"[profile r]\nrole_arn = {secret}\nsource_profile = k\n[profile k]\n",
        "[k]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n",
    )
    service = IdentityService(
        load_profiles=lambda: load_profiles(files, {}),
        store=SecretStore(None),
        clients=AwsClients(config=ONE_ATTEMPT, endpoint_url="http://127.0.0.1:9"),
        prompt=ScriptedPrompt(),
        sso_cache_dir=aws_home / ".aws" / "sso" / "cache",
    )
    with pytest.raises(SsmGuiError) as caught:
        service.credentials("r")
    assert "assume the role in its role_arn for profile 'r'" in caught.value.user_message
    assert secret not in str(caught.value)
