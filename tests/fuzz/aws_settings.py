"""Fuzz cases for what well-formed files say: role settings, client settings botocore
refuses, credential_process programs of every failing kind, and damaged SSO tokens."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.fuzz.aws_files import CREDENTIALS, files, write
from tests.fuzz.case import KEYS, SECRET, Case, config_path

ARN = "arn:aws:iam::123456789012:role/fuzz"
SOURCE_KEYS = f"[k]\n{KEYS}"
Expect = Callable[[Path, str], tuple[str, ...]]


def naming(*names: str) -> Expect:
    """The message must hold one of `names`; "{config}" is the config file's path."""
    return lambda home, _command: tuple(
        name.replace("{config}", str(config_path(home))) for name in names
    )


def role(settings: str) -> str:
    return f"[profile p]\nregion = eu-west-1\nrole_arn = {ARN}\n{settings}\n[profile k]\n"


def chain(length: int, root: str) -> str:
    sections = [f"[profile r0]\nregion = eu-west-1\n{root}"]
    sections += [
        f"[profile r{i}]\nregion = eu-west-1\nrole_arn = {ARN}\nsource_profile = r{i - 1}"
        for i in range(1, length + 1)
    ]
    return "\n".join(sections) + "\n"


ROLES: dict[str, tuple[str, str, Expect, str]] = {
    "role_arn without a source": (role(""), "", naming("source_profile"), "p"),
    "unknown credential_source": (
        role("credential_source = Nope"),
        "",
        naming("credential_source"),
        "p",
    ),
    "both sources": (
        role("source_profile = k\ncredential_source = Environment"),
        SOURCE_KEYS,
        naming("credential_source"),
        "p",
    ),
    "role_arn not an ARN": (
        role("source_profile = k").replace(ARN, "not-an-arn"),
        SOURCE_KEYS,
        naming("role_arn"),
        "p",
    ),
    "role_arn of junk": (
        role("source_profile = k").replace(ARN, f"{SECRET}\x01"),
        SOURCE_KEYS,
        naming("profile 'p'"),
        "p",
    ),
    "duration_seconds words": (
        role("source_profile = k\nduration_seconds = an hour"),
        SOURCE_KEYS,
        naming("profile 'p'"),
        "p",
    ),
    "duration_seconds 10": (
        role("source_profile = k\nduration_seconds = 10"),
        SOURCE_KEYS,
        naming("duration_seconds"),
        "p",
    ),
    "duration_seconds negative": (
        role("source_profile = k\nduration_seconds = -5"),
        SOURCE_KEYS,
        naming("duration_seconds"),
        "p",
    ),
    "duration_seconds huge": (
        role("source_profile = k\nduration_seconds = 99999999999999999999"),
        SOURCE_KEYS,
        naming("profile 'p'", "duration_seconds"),
        "p",
    ),
    "external_id empty-ish": (
        role("source_profile = k\nexternal_id = \x7f"),
        SOURCE_KEYS,
        naming("profile 'p'", "external_id"),
        "p",
    ),
    "source_profile missing": (role("source_profile = ghost"), "", naming("ghost"), "p"),
    "source_profile loop": (
        role("source_profile = q") + f"[profile q]\nrole_arn = {ARN}\nsource_profile = p\n",
        "",
        naming("loop"),
        "p",
    ),
    "source_profile itself without keys": (
        role("source_profile = p"),
        "",
        naming("profile 'p'"),
        "p",
    ),
    "source without credentials": (role("source_profile = k"), "", naming("'k'"), "p"),
    "web identity token missing": (
        role("web_identity_token_file = /nonexistent/token"),
        "",
        naming("web_identity_token_file"),
        "p",
    ),
    "chain of 63": (chain(63, ""), "[r0]\n" + KEYS, naming("profile 'r0'", "profile 'r1'"), "r63"),
    "chain of 1000": (chain(1000, ""), "[r0]\n" + KEYS, naming("source_profile steps"), "r1000"),
    "credential_source chain of 200": (
        chain(200, f"role_arn = {ARN}\ncredential_source = Environment"),
        "",
        naming("source_profile steps"),
        "r200",
    ),
}


def role_cases() -> list[Case]:
    return [
        Case("role settings", name, files(config, credentials), expect, profile)
        for name, (config, credentials, expect, profile) in ROLES.items()
    ]


def web_identity_fifo(home: Path) -> Mapping[str, str]:
    write(home, role(f"web_identity_token_file = {home / 'token'}"), "")
    os.mkfifo(home / "token")
    return {}


def naming_except_doctor(*names: str) -> Expect:
    """For retry settings: doctor makes its clients with retries of its own, so botocore
    never reads the profile's, and doctor has nothing to say about them."""
    named = naming(*names)
    return lambda home, command: () if command == "doctor" else named(home, command)


def naming_except_list(*names: str) -> Expect:
    """For what only botocore's own HTTP reads (a proxy, an endpoint_url in the file): the
    listing sends its calls itself, to AWS_ENDPOINT_URL; its per-region message names the
    profile."""
    named = naming(*names)
    return lambda home, command: ("profile 'p'",) if command == "list" else named(home, command)


#: Client settings botocore refuses, in the profile or the environment.
CLIENT_SETTINGS: dict[str, tuple[str, Mapping[str, str], Expect]] = {
    "max_attempts words": (
        "max_attempts = many",
        {"AWS_MAX_ATTEMPTS": ""},
        naming_except_doctor("max_attempts"),
    ),
    "max_attempts 0": (
        "max_attempts = 0",
        {"AWS_MAX_ATTEMPTS": ""},
        naming_except_doctor("max_attempts"),
    ),
    "retry_mode": ("retry_mode = eventually", {}, naming_except_doctor("retry_mode")),
    "AWS_MAX_ATTEMPTS": ("", {"AWS_MAX_ATTEMPTS": "x"}, naming_except_doctor("AWS_MAX_ATTEMPTS")),
    "AWS_RETRY_MODE": ("", {"AWS_RETRY_MODE": "bogus"}, naming_except_doctor("AWS_RETRY_MODE")),
    "sts_regional_endpoints": (
        "sts_regional_endpoints = sometimes",
        {},
        naming("sts_regional_endpoints"),
    ),
    "defaults_mode": ("defaults_mode = fast", {}, naming("defaults_mode")),
    "metadata_service_timeout": (
        "metadata_service_timeout = soon",
        {},
        naming("metadata_service_timeout"),
    ),
    "region junk": ("region = x@127.0.0.1:9/", {}, naming("(region)")),
    "ssmgui_regions junk": (
        "ssmgui_regions = eu-west-1 evil.example/",
        {},
        naming("ssmgui_regions"),
    ),
    "region nested": ("region =\n  x = y", {}, naming("region in [profile p]")),
    "endpoint_url junk": (
        "endpoint_url = ht!tp://x y",
        {"AWS_ENDPOINT_URL": ""},
        naming_except_list("endpoint_url"),
    ),
    "AWS_ENDPOINT_URL junk": ("", {"AWS_ENDPOINT_URL": "http://[::1"}, naming("AWS_ENDPOINT_URL")),
    "HTTP_PROXY port": ("", {"HTTP_PROXY": "http://proxy:99999"}, naming_except_list("HTTP_PROXY")),
    "HTTP_PROXY host": ("", {"HTTP_PROXY": "http://[zz]:1"}, naming_except_list("HTTP_PROXY")),
    "HTTP_PROXY scheme": ("", {"HTTP_PROXY": "ftp://proxy"}, naming_except_list("HTTP_PROXY")),
    "HTTP_PROXY empty host": ("", {"HTTP_PROXY": "http://:80"}, naming_except_list("HTTP_PROXY")),
    "HTTP_PROXY control": ("", {"HTTP_PROXY": "\x7f"}, naming_except_list("HTTP_PROXY")),
}


def client_setting_cases() -> list[Case]:
    cases = []
    for name, (line, env, expect) in CLIENT_SETTINGS.items():
        region = "" if line.startswith("region") else "region = eu-west-1\n"
        config = f"[profile p]\n{region}{line}\n"
        variables = dict(env)
        if variables.get("AWS_ENDPOINT_URL") == "":  # the profile's own endpoint is the case
            variables |= {
                "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:9",
                "AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:9",
            }
        cases.append(Case("client settings", name, _with_env(config, variables), expect))
    cases.append(
        Case(
            "role settings",
            "web identity token is a FIFO",
            web_identity_fifo,
            naming("web_identity_token_file"),
        )
    )
    return cases


def _with_env(config: str, env: Mapping[str, str]) -> Callable[[Path], Mapping[str, str]]:
    """Files, and variables; an empty value removes the base environment's variable."""
    return files(config, CREDENTIALS, dict(env))


def answer(**fields: object) -> str:
    body = {"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": SECRET} | fields
    return f"cat <<'EOF'\n{json.dumps(body)}\nEOF"


#: Programs standing in for a credential helper, by what they do wrong.
PROGRAMS: dict[str, str] = {
    "exits 1": "echo 'helper: no session' >&2\nexit 1",
    "killed": "kill -9 $$",
    "prints junk": f"echo 'junk {SECRET}'",
    "prints binary": "printf '\\377\\376\\000'",
    "prints a list": "echo '[1, 2]'",
    "prints a string": "echo '\"AccessKeyId SecretAccessKey\"'",
    "Version 2": answer(Version=2),
    "no secret key": answer(SecretAccessKey=None),
    "a number for a key": answer(AccessKeyId=12345),
    "expired": answer(SessionToken="t", Expiration="2001-01-01T00:00:00Z"),
    "Expiration junk": answer(Expiration="when it rains"),
    "Expiration a number": answer(Expiration=1700000000),
    "endless output": "exec yes",
    "reads stdin": "exec cat",
}


def credential_process_cases() -> list[Case]:
    cases = [
        Case("credential_process", name, _process(body), naming("credential_process"))
        for name, body in PROGRAMS.items()
    ]
    commands = {
        "not found": "/nonexistent/helper --profile x",
        "unbalanced quote": "'/bin/echo x",
        "empty": "",
        "empty quotes": '""',
        "a folder": "/tmp",
    }
    cases += [
        Case(
            "credential_process",
            name,
            files(_process_config(command), ""),
            naming("credential_process"),
        )
        for name, command in commands.items()
    ]
    cases += [
        Case(
            "credential_process",
            "not executable",
            _process(answer(), mode=0o644),
            naming("credential_process"),
        ),
        Case(
            "credential_process",
            "not a program",
            _process(answer(), shebang=False),
            naming("credential_process"),
        ),
    ]
    return cases


def waiting_process_cases() -> list[Case]:
    """Programs that would hang botocore: each runs into the 60 s limit, as processes only."""
    return [
        Case(
            "credential_process",
            "never exits",
            _process("exec sleep 600"),
            naming("did not finish within 60 s"),
            commands=("whoami", "list"),
            waits=True,
        ),
        Case(
            "credential_process",
            "child keeps stdout open",
            _process("sleep 600 &\n" + answer()),
            naming("did not finish within 60 s"),
            commands=("doctor",),
            waits=True,
        ),
    ]


def _process_config(command: str) -> str:
    return f"[profile p]\nregion = eu-west-1\ncredential_process = {command}\n"


def _process(
    body: str, mode: int = 0o755, shebang: bool = True
) -> Callable[[Path], Mapping[str, str]]:
    def prepare(home: Path) -> Mapping[str, str]:
        helper = home / "helper"
        write(home, _process_config(f"{helper} {SECRET}"), "")
        helper.write_text(("#!/bin/sh\n" if shebang else "") + body + "\n", encoding="utf-8")
        helper.chmod(mode)
        return {}

    return prepare


SSO_CONFIG = (
    "[profile p]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Ops\n"
    "region = eu-west-1\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
    "sso_region = eu-west-1\n"
    "[profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-1\n"
    "sso_account_id = 123456789012\nsso_role_name = Dev\nregion = eu-west-1\n"
)
TOKEN = "aoaFUZZACCESSTOKEN"


def _writes(content: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(content)


DAMAGES: dict[str, Callable[[Path], object]] = {
    "binary": _writes(b"\x00\xff" + TOKEN.encode()),
    "truncated": _writes(f'{{"accessToken": "{TOKEN}", "exp'.encode()),
    "a list": _writes(b"[]"),
    "a string naming both keys": _writes(b'"accessToken expiresAt"'),
    "no expiresAt": _writes(json.dumps({"accessToken": TOKEN}).encode()),
    "expiresAt junk": _writes(json.dumps({"accessToken": TOKEN, "expiresAt": "soon"}).encode()),
    "FIFO": os.mkfifo,
    "directory": lambda path: path.mkdir(),
    "symlink loop": lambda path: path.symlink_to(path),
    "dangling link": lambda path: path.symlink_to(path.with_name("gone")),
    "/dev/zero": lambda path: path.symlink_to("/dev/zero"),
    "2 MiB": _writes(b" " * (2 * 1024 * 1024)),
}


def sso_cases() -> list[Case]:
    cases = [
        Case(
            "SSO cache",
            f"{profile} token {name}",
            _damaged(key, damage),
            naming("aws sso login --profile"),
            profile,
        )
        for name, damage in DAMAGES.items()
        for profile, key in (("p", "corp"), ("legacy", "https://old.awsapps.com/start"))
    ]
    broken_settings = {
        "no token": (SSO_CONFIG, naming("aws sso login --profile p")),
        "no sso-session section": (
            SSO_CONFIG.replace("[sso-session corp]", "[sso-session other]"),
            naming("sso-session corp"),
        ),
        "no sso_region": (
            SSO_CONFIG.replace("sso_region = eu-west-1\n", ""),
            naming("sso_start_url and sso_region"),
        ),
        "sso_region junk": (
            SSO_CONFIG.replace("sso_region = eu-west-1", "sso_region = evil.example/"),
            naming("(sso_region)"),
        ),
        "no sso_role_name": (
            SSO_CONFIG.replace("sso_role_name = Ops\n", ""),
            naming("sso_account_id and sso_role_name"),
        ),
    }
    cases += [
        Case("SSO cache", name, files(config, ""), expect)
        for name, (config, expect) in broken_settings.items()
    ]
    return cases


def _damaged(key: str, damage: Callable[[Path], object]) -> Callable[[Path], Mapping[str, str]]:
    def prepare(home: Path) -> Mapping[str, str]:
        write(home, SSO_CONFIG, "")
        cache = home / ".aws" / "sso" / "cache"
        cache.mkdir(parents=True)
        damage(cache / f"{hashlib.sha1(key.encode()).hexdigest()}.json")
        return {}

    return prepare
