"""Fuzz cases for the shared files themselves: broken syntax, things that are not files,
odd but valid files, and random mutations of a valid pair.

Whether a file's content is malformed is botocore's answer (`raw_config_parse`), never a
rule of the fuzz: where botocore reads a file, ssmgui must too, and say nothing about it.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Mapping
from pathlib import Path

import botocore.configloader
from botocore.exceptions import ConfigParseError

from tests.fuzz.case import KEYS, SECRET, Case, config_path, credentials_path

CONFIG = "[profile p]\nregion = eu-west-1\n"
CREDENTIALS = f"[p]\n{KEYS}"

PathOf = Callable[[Path], Path]
WHICH: dict[str, PathOf] = {"config": config_path, "credentials": credentials_path}


def write(home: Path, config: bytes | str | None, credentials: bytes | str | None) -> None:
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    for path, content in ((config_path(home), config), (credentials_path(home), credentials)):
        if content is not None:
            path.write_bytes(content.encode() if isinstance(content, str) else content)


def files(
    config: bytes | str | None = CONFIG,
    credentials: bytes | str | None = CREDENTIALS,
    env: Mapping[str, str] | None = None,
) -> Callable[[Path], Mapping[str, str]]:
    def prepare(home: Path) -> Mapping[str, str]:
        write(home, config, credentials)
        return env or {}

    return prepare


def names_file(which: PathOf) -> Callable[[Path, str], tuple[str, ...]]:
    return lambda home, _command: (str(which(home)),)


def botocore_verdict(home: Path, _command: str) -> tuple[str, ...]:
    """The file botocore cannot parse, if any: the message must name it."""
    for path in (config_path(home), credentials_path(home)):
        try:
            botocore.configloader.raw_config_parse(str(path))
        except ConfigParseError:
            return (str(path),)
        except Exception:
            continue
    return ()


#: Text botocore cannot parse; SECRET sits on the broken line where there is one.
BROKEN: dict[str, bytes] = {
    "byte-order mark": b"\xef\xbb\xbf[p]\naws_access_key_id = AKIAEXAMPLE\n",
    "not UTF-8": f"[p]\naws_secret_access_key = {SECRET}\xe9\n".encode("latin-1"),
    "duplicate section": b"[p]\nregion = eu-west-1\n[p]\nregion = eu-west-2\n",
    "duplicate key": f"[p]\naws_secret_access_key = x\naws_secret_access_key = {SECRET}\n".encode(),
    "key before any section": f"aws_secret_access_key = {SECRET}\n[p]\n".encode(),
    "line without =": f"[p]\naws_secret_access_key {SECRET}\n".encode(),
    "nested line without =": f"[p]\ns3 =\n  {SECRET}\n".encode(),
    "unclosed header": b"[p\nregion = eu-west-1\n",
    "only a bracket": b"[\n",
    "UTF-16": "[p]\nregion = eu-west-1\n".encode("utf-16"),
    "NUL bytes": b"\x00\x00\x00\x00",
    "a lone key": b"[p]\n=value\n",
}


def syntax_cases() -> list[Case]:
    return [
        Case("syntax", f"{which} {name}", _broken(which, content), names_file(WHICH[which]))
        for which in WHICH
        for name, content in BROKEN.items()
    ]


def _broken(which: str, content: bytes) -> Callable[[Path], Mapping[str, str]]:
    if which == "config":
        return files(content, CREDENTIALS)
    return files(CONFIG, content)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()


def _zeros(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _loop(path: Path) -> None:
    path.symlink_to(path)


def _huge(path: Path) -> None:
    with path.open("wb") as sparse:
        sparse.truncate(9 * 1024 * 1024)


def _unreadable(path: Path) -> None:
    path.write_text("[p]\n", encoding="utf-8")
    path.chmod(0)


NOT_FILES: dict[str, Callable[[Path], object]] = {
    "FIFO": _fifo,
    "directory": _folder,
    "/dev/zero": _zeros,
    "symlink loop": _loop,
    "9 MiB": _huge,
}
if os.geteuid() != 0:  # root reads whatever the mode says
    NOT_FILES["unreadable"] = _unreadable


def file_type_cases() -> list[Case]:
    cases = [
        Case("file type", f"{which} is a {name}", _made(which, make), names_file(WHICH[which]))
        for which in WHICH
        for name, make in NOT_FILES.items()
    ]
    for which in WHICH:
        cases += [
            Case("file type", f"{which} under a file", _under(which), _under_expect(which)),
            Case("file type", f"{which} is a dangling link", _made(which, _dangling)),
            Case("file type", f"{which} is /dev/null", _made(which, _null)),
        ]
    return cases


def _made(which: str, make: Callable[[Path], object]) -> Callable[[Path], Mapping[str, str]]:
    def prepare(home: Path) -> Mapping[str, str]:
        write(
            home, CONFIG if which != "config" else None, CREDENTIALS if which == "config" else None
        )
        make(WHICH[which](home))
        return {}

    return prepare


def _dangling(path: Path) -> None:
    path.symlink_to(path.with_name("gone"))


def _null(path: Path) -> None:
    path.symlink_to(os.devnull)


def _under(which: str) -> Callable[[Path], Mapping[str, str]]:
    variable = "AWS_CONFIG_FILE" if which == "config" else "AWS_SHARED_CREDENTIALS_FILE"

    def prepare(home: Path) -> Mapping[str, str]:
        write(home, CONFIG, CREDENTIALS)
        (home / "plain").write_text("x", encoding="utf-8")
        return {variable: str(home / "plain" / which)}

    return prepare


def _under_expect(which: str) -> Callable[[Path, str], tuple[str, ...]]:
    return lambda home, _command: (str(home / "plain" / which),)


def _many_profiles() -> str:
    sections = [
        f"[profile p{i}]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::1:mfa/u{i}\n"
        for i in range(10_000)
    ]
    return CONFIG + "".join(sections)


#: Odd files botocore reads: each names the profile the commands use.
ODD: dict[str, tuple[str, str, str]] = {
    "CRLF": ("[profile p]\r\nregion = eu-west-1\r\n", "[p]\r\n" + KEYS.replace("\n", "\r\n"), "p"),
    "tabs": ("[profile p]\n\tregion\t=\teu-west-1\n", CREDENTIALS, "p"),
    "comments": (
        "# a\n;b\n[profile p] \n# region = x\nregion = eu-west-1 \n; c\n",
        CREDENTIALS,
        "p",
    ),
    "quoted name": (
        '[profile "with space"]\nregion = eu-west-1\n',
        f"[with space]\n{KEYS}",
        "with space",
    ),
    "unicode name": (
        "[profile prod-ünï-東京]\nregion = ap-northeast-1\n",
        f"[prod-ünï-東京]\n{KEYS}",
        "prod-ünï-東京",
    ),
    "profilex": ("[profilex p]\nregion = eu-west-1\n", CREDENTIALS, "p"),
    "three words": ("[profile a b c]\n" + CONFIG, CREDENTIALS, "p"),
    "upper-case keys": (
        "[profile p]\nREGION = eu-west-1\n",
        CREDENTIALS.upper().replace("[P]", "[p]"),
        "p",
    ),
    "empty values": ("[profile p]\nregion =\nmfa_serial =\nrole_arn =\n", CREDENTIALS, "p"),
    "continuation": ("[profile p]\nregion = eu-west-1\n  and more\n", CREDENTIALS, "p"),
    "nested group": (
        "[profile p]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n",
        CREDENTIALS,
        "p",
    ),
    "default twice": (
        "[default]\nregion = eu-west-1\n[profile default]\nregion = eu-west-2\n",
        f"[default]\n{KEYS}",
        "default",
    ),
    "sections of all kinds": (
        "[sso-session s]\nsso_region = eu-west-1\n[services x]\nssm =\n"
        "  endpoint_url = http://127.0.0.1:9\n[plugins]\nx = y\n" + CONFIG,
        CREDENTIALS,
        "p",
    ),
    "a long value": (
        "[profile p]\nregion = eu-west-1\nnote = " + "x" * 200_000 + "\n",
        CREDENTIALS,
        "p",
    ),
    "many regions": (
        "[profile p]\nregion = eu-west-1\nssmgui_regions = eu-west-1, us-east-1 ap-south-1\n",
        CREDENTIALS,
        "p",
    ),
    "10,000 profiles": (_many_profiles(), CREDENTIALS, "p"),
    "keys in the config": ("[profile p]\nregion = eu-west-1\n" + KEYS, "", "p"),
    "only credentials": ("", CREDENTIALS, "p"),
    "no files": ("", "", "p"),
}


def odd_cases() -> list[Case]:
    return [
        Case("odd but valid", name, files(config, credentials), botocore_verdict, profile=profile)
        for name, (config, credentials, profile) in ODD.items()
    ]


BASE_CONFIG = (
    "[default]\nregion = eu-west-1\n\n"
    "[profile p]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/fuzz\n\n"
    "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/fuzz\nsource_profile = p\n"
    "region = eu-west-1\nduration_seconds = 3600\n\n"
    "[profile s]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Ops\n\n"
    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n"
    "[profile c]\ncredential_process = /bin/false\nregion = eu-west-1\n"
)
BASE_CREDENTIALS = f"[default]\n{KEYS}\n[p]\n{KEYS}"


def mutation_cases(config_count: int = 48, credentials_count: int = 16) -> list[Case]:
    """Seeded mutations of a valid pair; botocore says which are malformed."""
    rng = random.Random(20261206)
    cases = []
    for index in range(config_count + credentials_count):
        which = "config" if index < config_count else "credentials"
        base = BASE_CONFIG if which == "config" else BASE_CREDENTIALS
        how, mutated = _mutate(base.encode(), rng)
        config, credentials = (
            (mutated, BASE_CREDENTIALS) if which == "config" else (BASE_CONFIG, mutated)
        )
        profile = rng.choice(["p", "r", "s", "c", "default"])
        name = f"{which} #{index} {how}"
        cases.append(Case("mutation", name, files(config, credentials), botocore_verdict, profile))
    return cases


def _mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    how = rng.choice(
        ["flip", "flips", "truncate", "insert", "drop line", "repeat line", "swap lines", "bom"]
    )
    lines = data.split(b"\n")
    if how == "flip":
        at = rng.randrange(len(data))
        return how, data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
    if how == "flips":
        mutable = bytearray(data)
        for _ in range(rng.randint(2, 20)):
            mutable[rng.randrange(len(mutable))] = rng.randrange(256)
        return how, bytes(mutable)
    if how == "truncate":
        return how, data[: rng.randrange(len(data))]
    if how == "insert":
        at = rng.randrange(len(data))
        noise = bytes(rng.choice(b"[]=\n \t#;\"'\\\x00\xff") for _ in range(rng.randint(1, 8)))
        return how, data[:at] + noise + data[at:]
    if how == "drop line":
        del lines[rng.randrange(len(lines))]
    elif how == "repeat line":
        at = rng.randrange(len(lines))
        lines.insert(at, lines[at])
    elif how == "swap lines":
        first, second = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[first], lines[second] = lines[second], lines[first]
    else:
        return how, b"\xef\xbb\xbf" + data
    return how, b"\n".join(lines)
