"""What botocore refuses in a profile's settings or credentials becomes a message naming the
profile and the file or variable to fix: through the sessions and clients `AwsClients`
makes, with real botocore doing the refusing and nothing sent anywhere."""

from __future__ import annotations

import os
import time

import pytest

from ssmgui.core.errors import AwsFileError, ConfigurationError, CredentialsError, SsmGuiError
from ssmgui.services.aws import errors as aws_errors
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles

KEYS = "[k]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\n"
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, nothing leaves the host


def configure(files: AwsFiles, config: str, credentials: str = KEYS) -> None:
    files.config.write_text(config, encoding="utf-8")
    files.credentials.write_text(credentials, encoding="utf-8")


def sts_client_error(profile: str) -> SsmGuiError:
    clients = AwsClients(endpoint_url=CLOSED)
    with pytest.raises(SsmGuiError) as caught:
        clients.sts(clients.profile_session(profile, None))
    return caught.value


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ("max_attempts = many", "The setting max_attempts of profile 'p'"),
        ("retry_mode = eventually", "The setting retry_mode of profile 'p'"),
        ("sts_regional_endpoints = sometimes", "The setting sts_regional_endpoints"),
        ("defaults_mode = fast", "The setting defaults_mode"),
        ("metadata_service_timeout = soon", "The setting metadata_service_timeout"),
    ],
)
def test_a_client_setting_botocore_refuses_is_named_with_its_file(
    aws_files: AwsFiles, setting: str, says: str
) -> None:
    configure(aws_files, f"[profile p]\nregion = eu-west-1\n{setting}\n", "[p]\n" + KEYS[4:])
    error = sts_client_error("p")
    assert isinstance(error, ConfigurationError)
    assert says in error.user_message and str(aws_files.config) in error.user_message


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AWS_MAX_ATTEMPTS", "x"),
        ("AWS_RETRY_MODE", "bogus"),
        ("AWS_ENDPOINT_URL_STS", "ht!tp://not a url"),
    ],
)
def test_an_environment_variable_botocore_refuses_is_named(
    aws_files: AwsFiles, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    configure(aws_files, "[profile p]\nregion = eu-west-1\n", "[p]\n" + KEYS[4:])
    monkeypatch.setenv(variable, value)
    clients = AwsClients()  # no endpoint of ours: botocore reads the variables
    with pytest.raises(ConfigurationError, match=f"The environment variable {variable}"):
        clients.sts(clients.profile_session("p", None))


def test_an_unknown_profile_is_named(aws_files: AwsFiles) -> None:
    configure(aws_files, "[profile p]\n")
    error = sts_client_error("nope")
    assert "There is no AWS profile named 'nope'" in error.user_message


@pytest.mark.parametrize(
    ("config", "says"),
    [
        (
            "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/r\n",
            "has a role_arn but no source_profile or credential_source",
        ),
        (
            "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Nope\n",
            "is not one botocore knows: use Environment, Ec2InstanceMetadata or EcsContainer",
        ),
        (
            "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = q\n"
            "[profile q]\nrole_arn = arn:aws:iam::123456789012:role/q\nsource_profile = p\n",
            "go round in a loop",
        ),
        (
            "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = ghost\n",
            "does not exist or has no credentials",
        ),
        (
            "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
            "web_identity_token_file = /nonexistent/token\n",
            "The web identity token file of profile 'p'",
        ),
    ],
)
def test_credentials_botocore_cannot_load_are_explained(
    aws_files: AwsFiles, config: str, says: str
) -> None:
    configure(aws_files, config)
    session = AwsClients(endpoint_url=CLOSED).profile_session("p", None)
    with pytest.raises(SsmGuiError) as caught:
        session.get_credentials()
    assert says in caught.value.user_message
    assert str(aws_files.config) in caught.value.user_message


def test_a_web_identity_token_that_is_a_fifo_is_refused_without_waiting(
    aws_files: AwsFiles,
) -> None:
    token = aws_files.config.parent / "token"
    os.mkfifo(token)
    configure(
        aws_files,
        "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
        f"web_identity_token_file = {token}\n",
    )
    session = AwsClients(endpoint_url=CLOSED).profile_session("p", None)
    began = time.monotonic()
    with pytest.raises(AwsFileError, match="is a named pipe") as caught:
        session.get_credentials()
    assert "web_identity_token_file of profile 'p'" in caught.value.user_message
    assert time.monotonic() - began < 1


def test_a_chain_too_deep_for_botocore_is_refused_with_a_message(
    aws_files: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    sections = ["[profile r0]\nrole_arn = arn:aws:iam::1:role/r0\ncredential_source = Environment"]
    sections += [
        f"[profile r{i}]\nrole_arn = arn:aws:iam::1:role/r{i}\nsource_profile = r{i - 1}"
        for i in range(1, 400)
    ]
    configure(aws_files, "\n".join(sections) + "\n", "")
    session = AwsClients(endpoint_url=CLOSED).profile_session("r399", None)
    with pytest.raises(ConfigurationError, match="too deep for botocore to follow"):
        session.get_credentials()


def test_a_parameter_sts_refuses_names_the_setting(aws_files: AwsFiles) -> None:
    configure(aws_files, "[profile k]\n")
    clients = AwsClients(endpoint_url=CLOSED)
    sts = clients.sts(clients.profile_session("k", None))
    assuming = aws_errors.translated("r", "assume role not-an-arn", str(aws_files.config))
    with pytest.raises(ConfigurationError) as caught, assuming:
        sts.assume_role(RoleArn="not-an-arn", RoleSessionName="session", DurationSeconds=60)
    message = caught.value.user_message
    assert "duration_seconds, role_arn are not valid" in message
    assert str(aws_files.config) in message


@pytest.mark.parametrize(
    "proxy", ["http://proxy:99999", "h:x", "http://[::1]:x", "http://:80", "ftp://proxy"]
)
def test_a_proxy_that_cannot_be_used_is_named(
    aws_files: AwsFiles, monkeypatch: pytest.MonkeyPatch, proxy: str
) -> None:
    configure(aws_files, "[profile k]\n")
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    clients = AwsClients(endpoint_url="https://127.0.0.1:9")
    sts = clients.sts(clients.profile_session("k", None))
    with pytest.raises(CredentialsError) as caught, aws_errors.translated("k", "check who"):
        sts.get_caller_identity()
    assert "the proxy named by HTTPS_PROXY cannot be used" in caught.value.user_message
