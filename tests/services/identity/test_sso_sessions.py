"""Which IAM Identity Center sign-in a name means in ~/.aws/config."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssmgui.core.errors import ConfigurationError
from ssmgui.services.identity.sso_sessions import NotSsoError, SsoSession, find_sso_session

CONFIG = """
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access, extra:scope

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Dev

[profile old]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1

[profile keys]
region = eu-west-1

[profile dangling]
sso_session = gone
"""


@pytest.fixture(name="config")
def config_fixture(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    path.write_text(CONFIG)
    return path


def test_a_session_by_its_name_or_through_a_profile(config: Path) -> None:
    corp = SsoSession(
        "corp", "https://corp.awsapps.com/start", "eu-west-1", ("sso:account:access", "extra:scope")
    )
    assert find_sso_session(config, "corp") == corp
    assert find_sso_session(config, "dev") == corp


def test_a_legacy_profile_is_its_own_sign_in(config: Path) -> None:
    old = find_sso_session(config, "old")
    assert (old.name, old.profile, old.label) == (None, "old", "old")
    assert old.region == "us-east-1" and old.scopes == ()


def test_names_that_are_not_sso_say_so(config: Path, tmp_path: Path) -> None:
    with pytest.raises(NotSsoError, match="does not sign in with IAM Identity Center"):
        find_sso_session(config, "keys")
    with pytest.raises(NotSsoError, match="neither"):
        find_sso_session(config, "nobody")
    with pytest.raises(NotSsoError, match="no AWS config file"):
        find_sso_session(tmp_path / "missing", "corp")
    with pytest.raises(ConfigurationError, match=r"no \[sso-session gone\]"):
        find_sso_session(config, "dangling")
