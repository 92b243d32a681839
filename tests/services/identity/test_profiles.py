"""Profile discovery from temp ~/.aws files: every kind, and the malformed ones."""

from __future__ import annotations

import os
from pathlib import Path

import botocore.configloader
import botocore.session
import pytest
from botocore.exceptions import ConfigParseError, InvalidConfigError

from ssmgui.core.errors import AwsFileError, ConfigurationError
from ssmgui.core.profile import ENVIRONMENT_PROFILE, ProfileKind, mfa_serial_for, role_chain
from ssmgui.services.identity.profiles import AwsFiles, ProfileCache, load_profiles
from tests.services.identity.conftest import write_aws_files

SERIAL = "arn:aws:iam::123456789012:mfa/alice"

CONFIG = f"""
[default]
region = us-east-1

[profile mfa]
region = eu-west-1
mfa_serial = {SERIAL}
ssmgui_regions = eu-west-1, eu-central-1 us-east-1

[profile role]
role_arn = arn:aws:iam::210987654321:role/admin
source_profile = mfa
mfa_serial = {SERIAL}

[profile role2]
role_arn = arn:aws:iam::210987654321:role/deeper
source_profile = role

[profile instance-role]
role_arn = arn:aws:iam::210987654321:role/x
credential_source = Ec2InstanceMetadata

[profile sso-new]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Ops
region = ap-southeast-2

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile sso-legacy]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Dev

[profile process]
credential_process = /usr/bin/false

[profile bad-sso]
sso_session = nowhere

[profile loop-a]
role_arn = arn:aws:iam::1:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::1:role/b
source_profile = loop-a

[services ignored]
"""

CREDENTIALS = """
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = secret-default

[mfa]
aws_access_key_id = AKIAMFA
aws_secret_access_key = secret-mfa
"""


@pytest.fixture
def files(aws_home: Path) -> AwsFiles:
    return write_aws_files(aws_home, CONFIG, CREDENTIALS)


def test_every_kind_is_recognised(files: AwsFiles) -> None:
    profiles = load_profiles(files, {})
    kinds = {name: p.kind for name, p in profiles.items()}
    assert kinds == {
        "default": ProfileKind.STATIC,
        "mfa": ProfileKind.STATIC_MFA,
        "role": ProfileKind.ASSUME_ROLE,
        "role2": ProfileKind.ASSUME_ROLE,
        "instance-role": ProfileKind.ASSUME_ROLE,
        "sso-new": ProfileKind.SSO,
        "sso-legacy": ProfileKind.SSO,
        "process": ProfileKind.CREDENTIAL_PROCESS,
        "bad-sso": ProfileKind.SSO,
        "loop-a": ProfileKind.ASSUME_ROLE,
        "loop-b": ProfileKind.ASSUME_ROLE,
    }


def test_regions_and_sso_settings(files: AwsFiles) -> None:
    profiles = load_profiles(files, {})
    assert profiles["mfa"].chosen_regions == ("eu-west-1", "eu-central-1", "us-east-1")
    assert profiles["default"].chosen_regions == ("us-east-1",)
    sso = profiles["sso-new"].sso
    assert sso is not None
    assert (sso.start_url, sso.sso_region, sso.session_name) == (
        "https://corp.awsapps.com/start",
        "eu-west-1",
        "corp",
    )
    legacy = profiles["sso-legacy"].sso
    assert legacy is not None and legacy.session_name is None


def test_environment_credentials_are_a_profile(files: AwsFiles) -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "sa-east-1"}
    profile = load_profiles(files, env)[ENVIRONMENT_PROFILE]
    assert (profile.kind, profile.region) == (ProfileKind.ENVIRONMENT, "sa-east-1")


def test_paths_follow_aws_config_file_variables(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": "/x/cfg", "AWS_SHARED_CREDENTIALS_FILE": "~/c"}
    assert AwsFiles.from_environment(env) == AwsFiles(Path("/x/cfg"), tmp_path / "c")
    default = AwsFiles.from_environment({"HOME": str(tmp_path)})
    assert default.config == tmp_path / ".aws" / "config"


def test_missing_files_mean_no_profiles(tmp_path: Path) -> None:
    assert load_profiles(AwsFiles(tmp_path / "no-config", tmp_path / "no-creds"), {}) == {}


def test_role_chains_and_their_mfa_device(files: AwsFiles) -> None:
    profiles = load_profiles(files, {})
    chain = role_chain(profiles, "role2")
    assert [p.name for p in chain] == ["role2", "role", "mfa"]
    assert mfa_serial_for(chain) == SERIAL


def test_source_profile_loop_is_a_clear_error(files: AwsFiles) -> None:
    with pytest.raises(ConfigurationError, match=r"loop \(loop-a -> loop-b -> loop-a\)"):
        role_chain(load_profiles(files, {}), "loop-a")


def test_unknown_profile_lists_the_known_ones(files: AwsFiles) -> None:
    with pytest.raises(ConfigurationError, match=r"no AWS profile named 'nope'.*mfa"):
        role_chain(load_profiles(files, {}), "nope")


def test_broken_profile_still_lists_and_says_why_when_used(files: AwsFiles) -> None:
    profiles = load_profiles(files, {})
    assert profiles["bad-sso"].problem is not None
    with pytest.raises(ConfigurationError, match=r"no \[sso-session nowhere\]"):
        role_chain(profiles, "bad-sso")


def test_malformed_file_names_the_line_but_never_its_text(aws_home: Path) -> None:
    files = write_aws_files(
        aws_home, "[profile ok]\nregion = x\n", "[leaky]\naws_secret_access_key TOPSECRET\n"
    )
    with pytest.raises(ConfigurationError) as caught:
        load_profiles(files, {})
    message = caught.value.user_message
    assert "line 2" in message and str(files.credentials) in message
    assert "TOPSECRET" not in message and "TOPSECRET" not in str(caught.value)


def test_several_broken_lines_are_all_named(aws_home: Path) -> None:
    files = write_aws_files(aws_home, "[profile p]\nregion = eu-west-1\njunk\nmore junk\n")
    with pytest.raises(AwsFileError, match="lines 3, 4 are neither a"):
        load_profiles(files, {})


def test_file_without_a_section_header_is_a_clear_error(aws_home: Path) -> None:
    files = write_aws_files(aws_home, "region = eu-west-1\n")
    with pytest.raises(ConfigurationError, match="line 1"):
        load_profiles(files, {})


def test_the_profile_cache_reads_the_files_once_while_they_do_not_change(tmp_path: Path) -> None:
    (tmp_path / ".aws").mkdir()
    files = write_aws_files(tmp_path, CONFIG)
    cache = ProfileCache(files, {})
    first = cache()
    assert "mfa" in first
    assert all(cache() is first for _ in range(1000))


def test_the_profile_cache_sees_a_changed_added_or_removed_file(tmp_path: Path) -> None:
    config = tmp_path / "config"
    files = AwsFiles(config, tmp_path / "credentials")
    cache = ProfileCache(files, {})
    assert dict(cache()) == {}
    config.write_text("[profile one]\nregion = eu-west-1\n", encoding="utf-8")
    assert set(cache()) == {"one"}
    # Same size, written again: a new file in its place is seen even within one mtime tick.
    replacement = tmp_path / "config.new"
    replacement.write_text("[profile two]\nregion = eu-west-1\n", encoding="utf-8")
    replacement.replace(config)
    assert set(cache()) == {"two"}
    files.credentials.write_text("[three]\naws_access_key_id = AKIAEXAMPLE\n", encoding="utf-8")
    assert set(cache()) == {"two", "three"}
    config.unlink()
    assert set(cache()) == {"three"}


def test_the_profile_cache_reads_again_after_a_file_it_could_not_parse(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("region = eu-west-1\n", encoding="utf-8")  # a key before any section
    cache = ProfileCache(AwsFiles(config, tmp_path / "credentials"), {})
    with pytest.raises(ConfigurationError):
        cache()
    with pytest.raises(ConfigurationError):
        cache()
    config.write_text("[profile fixed]\nregion = eu-west-1\n", encoding="utf-8")
    assert set(cache()) == {"fixed"}


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ("region = x@127.0.0.1:8080/", "profile 'bad' (region)"),
        ("ssmgui_regions = eu-west-1 evil.example/", "profile 'bad' (ssmgui_regions)"),
    ],
)
def test_a_profile_with_a_region_botocore_refuses_carries_the_problem(
    tmp_path: Path, line: str, where: str
) -> None:
    (tmp_path / ".aws").mkdir()
    files = write_aws_files(
        tmp_path, f"[profile bad]\n{line}\n[profile good]\nregion = eu-west-1\n"
    )
    profiles = load_profiles(files, {})
    assert profiles["good"].problem is None
    assert profiles["bad"].problem is not None
    assert f"in {where} is not an AWS region name" in profiles["bad"].problem


def test_the_environments_region_is_checked_too(tmp_path: Path) -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "a/b"}
    profile = load_profiles(AwsFiles(tmp_path / "c", tmp_path / "k"), env)[ENVIRONMENT_PROFILE]
    assert profile.problem is not None and "AWS_REGION" in profile.problem


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTOPSECRET"

#: Files botocore cannot parse, each with the line a message must name (None: no line).
BOTOCORE_REFUSES: dict[str, tuple[bytes, str | None, str]] = {
    "not UTF-8": (
        f"[p]\naws_secret_access_key = {SECRET}\n# caf\xe9\n".encode("latin-1"),
        "line 3",
        "is not UTF-8 text",
    ),
    "a byte-order mark": (
        b"\xef\xbb\xbf[p]\naws_secret_access_key = " + SECRET.encode() + b"\n",
        None,
        "byte-order mark",
    ),
    "a duplicate section": (
        f"[p]\naws_access_key_id = AKIAEXAMPLE\n[p]\naws_secret_access_key = {SECRET}\n".encode(),
        "line 3",
        "appears twice",
    ),
    "a duplicate key": (
        f"[p]\naws_secret_access_key = x\naws_secret_access_key = {SECRET}\n".encode(),
        "line 3",
        "already sets",
    ),
    "a key before the first section": (
        f"aws_secret_access_key = {SECRET}\n[p]\n".encode(),
        "line 1",
        "before the first [section]",
    ),
    "a line without =": (
        f"[p]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key {SECRET}\n".encode(),
        "line 3",
        "neither a [section] header",
    ),
    "a nested line without =": (
        f"[p]\ns3 =\n  {SECRET}\n".encode(),
        None,
        "indented line",
    ),
}


@pytest.mark.parametrize("case", sorted(BOTOCORE_REFUSES))
@pytest.mark.parametrize("which", ["config", "credentials"])
def test_a_file_botocore_cannot_parse_is_refused_naming_file_and_line(
    aws_home: Path, case: str, which: str
) -> None:
    content, line, says = BOTOCORE_REFUSES[case]
    files = write_aws_files(aws_home, "[profile ok]\nregion = eu-west-1\n")
    path = files.config if which == "config" else files.credentials
    path.write_bytes(content)
    with pytest.raises(ConfigParseError):
        botocore.configloader.raw_config_parse(str(path))
    with pytest.raises(AwsFileError) as caught:
        load_profiles(files, {})
    message = caught.value.user_message
    assert str(path) in message and says in message
    assert line is None or line in message
    variable = "AWS_CONFIG_FILE" if which == "config" else "AWS_SHARED_CREDENTIALS_FILE"
    assert variable in message
    assert SECRET not in message and SECRET not in repr(caught.value)


#: Files botocore reads, odd as they are: ssmgui must see the same profiles.
BOTOCORE_READS = {
    "CRLF line ends": "[default]\r\nregion = eu-west-1\r\n[profile crlf]\r\nregion = us-east-1\r\n",
    "tabs and spaces": "[profile tabs]\n\tregion\t=\teu-west-1\nmfa_serial =   x  \n",
    "a continuation line": "[profile more]\nregion = eu-west-1\n  mfa_serial = x\n",
    "comments anywhere": "# c\n; c\n[profile c] \n# region = nope\nregion = eu-west-1\n;x\n",
    "a quoted name": '[profile "with space"]\nregion = eu-west-1\n',
    "a name botocore reads oddly": "[profilex odd]\nregion = eu-west-1\n[profile a b c]\n",
    "unicode names": "[profile prod-ünïcødé-東京]\nregion = ap-northeast-1\n",
    "upper-case keys": "[profile upper]\nREGION = eu-west-1\nRole_Arn = arn:aws:iam::1:role/r\n"
    "Source_Profile = upper\n",
    "nested settings": "[profile nested]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n",
    "an empty value": "[profile empty]\nregion =\nmfa_serial =\n",
    "a section header only": "[default]\n",
    "sso-session and services": "[sso-session s]\nsso_region = eu-west-1\n[services x]\n"
    "ssm =\n  endpoint_url = http://127.0.0.1:9\n[profile s]\nservices = x\n",
    "profile default and default": "[default]\nregion = eu-west-1\n[profile default]\n"
    "region = us-west-2\n",
}


@pytest.mark.parametrize("case", sorted(BOTOCORE_READS))
def test_ssmgui_reads_the_profiles_botocore_reads(
    aws_home: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = write_aws_files(
        aws_home, BOTOCORE_READS[case], "[keys]\naws_access_key_id = AKIAEXAMPLE\n"
    )
    botocore_profiles = botocore.session.Session().full_config["profiles"]
    profiles = load_profiles(files, {})
    assert set(profiles) == set(botocore_profiles)
    for name, profile in profiles.items():
        botocore_session = botocore.session.Session(profile=name)
        if profile.problem is None:
            expected = botocore_session.get_config_variable("region")
            assert profile.region == (expected or None), name
        else:  # botocore cannot use what ssmgui calls a problem either
            with pytest.raises(ValueError):
                botocore_session.create_client(
                    "sts", aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="x"
                )


def test_duration_seconds_botocore_ignores_is_ignored(aws_home: Path) -> None:
    files = write_aws_files(
        aws_home,
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\n"
        "duration_seconds = an hour\n[profile k]\n",
        "[k]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n",
    )
    role = load_profiles(files, {})["r"]
    assert (role.problem, role.duration_seconds) == (None, None)


def test_source_profile_and_credential_source_together_are_refused_as_botocore_does(
    aws_home: Path,
) -> None:
    files = write_aws_files(
        aws_home,
        "[profile both]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\n"
        "credential_source = Environment\n[profile k]\n",
        "[k]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n",
    )
    with pytest.raises(InvalidConfigError):
        botocore.session.Session(profile="both").get_credentials()
    problem = load_profiles(files, {})["both"].problem
    assert problem is not None
    assert "sets both source_profile and credential_source" in problem
    assert str(files.config) in problem


def test_a_setting_ssmgui_reads_cannot_be_a_nested_group(aws_home: Path) -> None:
    files = write_aws_files(aws_home, "[profile p]\nregion =\n  x = y\n")
    problem = load_profiles(files, {})["p"].problem
    assert problem is not None
    assert "region in [profile p] in" in problem and str(files.config) in problem


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_config_that_is_not_a_file_is_refused_at_once(aws_home: Path, kind: str) -> None:
    files = AwsFiles(aws_home / ".aws" / "config", aws_home / ".aws" / "credentials")
    if kind == "fifo":
        os.mkfifo(files.config)
    else:
        files.config.mkdir()
    with pytest.raises(AwsFileError, match=r"not a file\. Fix it, or point AWS_CONFIG_FILE"):
        ProfileCache(files, {})()


def test_the_null_device_is_an_empty_config(tmp_path: Path) -> None:
    assert load_profiles(AwsFiles(Path(os.devnull), Path(os.devnull)), {}) == {}
