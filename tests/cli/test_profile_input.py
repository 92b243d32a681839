"""A profile named on the command line that is empty or unknown, a bad --endpoint-url, half
a pair of keys in the environment: each is a message naming the option, exit code 2, and
never a traceback, through the real `ssmgui` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.commands import run_ssmgui
from tests.cli.test_bad_input import write_profile

INSTANCE = "i-0123456789abcdef0"


@pytest.mark.parametrize(
    "command",
    [
        ["list", "--profile", ""],
        ["list", "--profile", "p", "--profile", "  "],
        ["whoami", "--profile", ""],
        ["doctor", "--profile", " "],
        ["login", ""],
    ],
)
@pytest.mark.slow
def test_an_empty_profile_name_is_a_usage_error(command: list[str], tmp_path: Path) -> None:
    write_profile(tmp_path)
    done = run_ssmgui(command, tmp_path)
    assert done.returncode == 2
    assert "an empty name names no AWS profile" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["list", "--profile", "nope"],
        ["whoami", "--profile", "nope"],
        ["doctor", "--profile", "nope"],
        ["forward", INSTANCE, "--remote-port", "22", "--profile", "nope"],
        ["forward", INSTANCE, "--remote-port", "22", "--profile", "nope", "--region", "eu-west-1"],
    ],
)
@pytest.mark.slow
def test_an_unknown_profile_is_named_with_the_known_ones(
    command: list[str], tmp_path: Path
) -> None:
    write_profile(tmp_path)
    done = run_ssmgui(command, tmp_path)
    assert done.returncode == 2
    assert "There is no AWS profile named 'nope'. Known profiles: p." in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_an_empty_profile_for_a_tunnel_is_refused(tmp_path: Path) -> None:
    write_profile(tmp_path)
    done = run_ssmgui(["forward", INSTANCE, "--remote-port", "22", "--profile", ""], tmp_path)
    assert done.returncode == 2
    assert "--profile is empty" in done.stderr


@pytest.mark.parametrize("url", ["ht!tp://x y", "http://", "not a url", "http://[::1"])
@pytest.mark.parametrize("tunnel", [["forward", INSTANCE, "--remote-port", "22"],
                                    ["connect", INSTANCE, "ssh"]])  # fmt: skip
@pytest.mark.slow
def test_an_endpoint_url_botocore_refuses_is_named(
    url: str, tunnel: list[str], tmp_path: Path
) -> None:
    write_profile(tmp_path)
    command = [*tunnel, "--profile", "p"]
    done = run_ssmgui([*command, "--endpoint-url", url], tmp_path)
    assert done.returncode == 2
    assert "--endpoint-url (or AWS_ENDPOINT_URL_SSM) is not an endpoint URL" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_half_a_pair_of_keys_in_the_environment_is_named(tmp_path: Path) -> None:
    write_profile(tmp_path)
    command = ["forward", INSTANCE, "--remote-port", "22", "--region", "eu-west-1"]
    done = run_ssmgui(command, tmp_path, {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"})
    assert done.returncode == 2
    assert "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY" in done.stderr


@pytest.mark.slow
def test_botocores_own_tracebacks_show_only_with_verbose(tmp_path: Path) -> None:
    """botocore logs a failed refresh of role credentials at WARNING with its traceback."""
    (tmp_path / "config").write_text(
        "[profile p]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/r\n"
        "credential_source = Environment\n",
        encoding="utf-8",
    )
    environment = {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    quiet = run_ssmgui(["whoami", "--profile", "p"], tmp_path, environment)
    assert quiet.returncode == 2
    assert "Cannot reach AWS" in quiet.stderr and "profile 'p'" in quiet.stderr
    assert "Traceback" not in quiet.stderr
    verbose = run_ssmgui(["-v", "whoami", "--profile", "p"], tmp_path, environment)
    assert "Traceback" in verbose.stderr
