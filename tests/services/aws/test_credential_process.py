"""A profile's credential_process runs as a real child under a time limit; every way it can
fail is a CredentialProcessError naming the profile and the file, never its output or
command line, and no way of failing hangs."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.credentials import RefreshableCredentials

from ssmgui.core.errors import CredentialProcessError
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTOPSECRET"
ANSWER = {"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": SECRET}
LIMIT_S = 1.5


def program(folder: Path, name: str, body: str, mode: int = 0o755) -> Path:
    """A shell script `name` in `folder` running `body`."""
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(mode)
    return path


def prints(answer: object) -> str:
    return f"cat <<'EOF'\n{json.dumps(answer)}\nEOF"


def use(files: AwsFiles, command: str) -> None:
    files.config.write_text(
        f"[profile p]\nregion = eu-west-1\ncredential_process = {command}\n", encoding="utf-8"
    )


def load(limit: float = LIMIT_S) -> object:
    session = AwsClients(process_time_limit=limit).profile_session("p", None)
    return session.get_credentials()


def failure(files: AwsFiles, limit: float = LIMIT_S) -> str:
    with pytest.raises(CredentialProcessError) as caught:
        load(limit)
    message = caught.value.user_message
    assert "profile 'p'" in message and str(files.config) in message
    assert SECRET not in message and SECRET not in repr(caught.value)
    return message


def test_the_programs_keys_are_the_profiles_credentials(aws_files: AwsFiles) -> None:
    helper = program(aws_files.config.parent, "helper", prints(ANSWER))
    use(aws_files, f"{helper} --arg {SECRET}")
    credentials = AwsClients().profile_session("p", None).get_credentials()
    assert credentials is not None
    frozen = credentials.get_frozen_credentials()
    assert (frozen.access_key, frozen.secret_key) == ("AKIAPROCESS", SECRET)


def test_expiring_keys_are_renewed_by_running_the_program_again(aws_files: AwsFiles) -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    runs = aws_files.config.parent / "runs"
    body = f"echo run >> {runs}\n" + prints({**ANSWER, "SessionToken": "t", "Expiration": soon})
    use(aws_files, str(program(aws_files.config.parent, "helper", body)))
    credentials = load()
    assert isinstance(credentials, RefreshableCredentials)
    credentials.get_frozen_credentials()  # within botocore's refresh window: runs it again
    assert runs.read_text(encoding="utf-8").count("run") >= 2


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("exit 3", "exited with status 3"),
        (f"echo 'not json {SECRET}'", "did not print a JSON object"),
        (f"printf '\\377\\376{SECRET}'", "did not print a JSON object"),
        (prints([ANSWER]), "did not print a JSON object"),
        (prints({**ANSWER, "Version": 2}), 'printed no "Version": 1'),
        (prints({"Version": 1, "AccessKeyId": "AKIA"}), "no AccessKeyId or SecretAccessKey"),
        (prints({**ANSWER, "SessionToken": 5}), "SessionToken or AccountId that is not text"),
        (prints({**ANSWER, "Expiration": "soonish"}), "Expiration that is not an ISO 8601"),
        (
            prints({**ANSWER, "Expiration": "2001-01-01T00:00:00Z"}),
            "returned credentials that expired at 2001-01-01 00:00:00 UTC",
        ),
        ("kill -9 $$", "was ended by signal 9"),
    ],
)
def test_each_bad_answer_is_named(aws_files: AwsFiles, body: str, says: str) -> None:
    use(aws_files, f"{program(aws_files.config.parent, 'helper', body)} {SECRET}")
    assert says in failure(aws_files)


def test_the_programs_own_messages_reach_our_stderr(
    aws_files: AwsFiles, capfd: pytest.CaptureFixture[str]
) -> None:
    body = "echo 'helper: run helper login first' >&2\nexit 4"
    use(aws_files, str(program(aws_files.config.parent, "helper", body)))
    assert "exited with status 4" in failure(aws_files)
    assert "helper: run helper login first" in capfd.readouterr().err


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("/nonexistent/helper", "names a program that was not found"),
        ("'/bin/echo", "has a quote that is never closed"),
        ('""', "names no program"),
        ("", "is empty"),  # botocore fails with an IndexError
    ],
)
def test_a_command_line_that_cannot_run_is_named(
    aws_files: AwsFiles, command: str, says: str
) -> None:
    use(aws_files, command)
    assert says in failure(aws_files)


def test_a_file_that_may_not_be_run_is_named(aws_files: AwsFiles) -> None:
    use(aws_files, str(program(aws_files.config.parent, "helper", prints(ANSWER), 0o644)))
    assert "may not be run (permission denied)" in failure(aws_files)


def test_a_file_that_is_not_a_program_is_named(aws_files: AwsFiles) -> None:
    text = aws_files.config.parent / "notes.txt"
    text.write_text("just words\n", encoding="utf-8")
    text.chmod(0o755)
    use(aws_files, str(text))
    assert "not a program this system can run" in failure(aws_files)


@pytest.mark.parametrize(
    "body",
    [
        "exec sleep 30",
        # exits at once, but a child it started keeps the pipe open: botocore waited for it
        f"sleep 5 &\n{prints(ANSWER)}",
    ],
    ids=["never exits", "child keeps stdout open"],
)
def test_a_program_that_does_not_finish_is_stopped_at_the_time_limit(
    aws_files: AwsFiles, body: str
) -> None:
    use(aws_files, str(program(aws_files.config.parent, "helper", body)))
    began = time.monotonic()
    says = failure(aws_files, limit=0.5)
    assert "did not finish within 0.5 s" in says
    assert time.monotonic() - began < 5


def test_endless_output_is_cut_short(aws_files: AwsFiles) -> None:
    use(aws_files, "yes")
    began = time.monotonic()
    assert "printed more than 1024 KiB" in failure(aws_files, limit=30)
    assert time.monotonic() - began < 10


@pytest.fixture
def stdin_held_open() -> Iterator[None]:
    """fd 0 is a pipe nobody writes to or closes: a child inheriting it would wait."""
    saved = os.dup(0)
    reader, writer = os.pipe()
    os.dup2(reader, 0)
    try:
        yield
    finally:
        os.dup2(saved, 0)
        for descriptor in (saved, reader, writer):
            os.close(descriptor)


@pytest.mark.usefixtures("stdin_held_open")
def test_the_program_reads_an_empty_stdin(aws_files: AwsFiles) -> None:
    use(aws_files, "cat")  # a tunnel's stdin carries data: the program must not take it
    began = time.monotonic()
    assert "did not print a JSON object" in failure(aws_files, limit=10)
    assert time.monotonic() - began < 5
