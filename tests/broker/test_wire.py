"""Where the warm helper listens: one socket per user and AWS-relevant environment, in a
folder only the user can enter, named without revealing any variable's value."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ssmgui.broker import wire


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"XDG_RUNTIME_DIR": str(tmp_path / "run"), "HOME": str(tmp_path), **extra}


def test_the_same_environment_finds_the_same_helper(tmp_path: Path) -> None:
    first = wire.socket_path(environment(tmp_path, AWS_PROFILE="prod"))
    again = wire.socket_path(environment(tmp_path, AWS_PROFILE="prod", TERM="xterm"))
    assert first is not None and first == again  # TERM decides nothing about AWS


@pytest.mark.parametrize(
    "change",
    [
        {"AWS_PROFILE": "staging"},
        {"HTTPS_PROXY": "http://proxy:3128"},
        {"https_proxy": "http://proxy:3128"},
        {"NO_PROXY": "internal"},
        {"AWS_CA_BUNDLE": "/etc/ca.pem"},
        {"SSL_CERT_FILE": "/etc/ca.pem"},
        {"AWS_SECRET_ACCESS_KEY": "other"},
        {"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
    ],
)
def test_any_aws_relevant_change_finds_another_helper(
    tmp_path: Path, change: dict[str, str]
) -> None:
    base = wire.socket_path(environment(tmp_path, AWS_PROFILE="prod"))
    changed = wire.socket_path(environment(tmp_path, AWS_PROFILE="prod") | change)
    assert base is not None and changed is not None
    assert changed != base and changed.parent == base.parent


def test_the_name_reveals_no_value(tmp_path: Path) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    path = wire.socket_path(environment(tmp_path, AWS_SECRET_ACCESS_KEY=secret))
    assert path is not None and secret not in str(path) and "EXAMPLE" not in path.name
    key = path.parent / wire.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert secret.encode() not in key.read_bytes()


def test_another_users_key_changes_every_name(tmp_path: Path) -> None:
    env = environment(tmp_path, AWS_PROFILE="prod")
    before = wire.socket_path(env)
    assert before is not None
    (before.parent / wire.KEY_FILE).write_bytes(os.urandom(32))
    assert wire.socket_path(env) != before


@pytest.mark.skipif(os.name != "posix", reason="POSIX folder modes")
def test_a_folder_others_can_enter_is_never_used(tmp_path: Path) -> None:
    folder = tmp_path / "run" / "ssmgui"
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    assert wire.socket_path(environment(tmp_path)) is None


def test_without_a_runtime_dir_the_folder_is_in_the_home_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    path = wire.socket_path({"HOME": str(tmp_path)})
    assert path is not None and path.parent == tmp_path / ".cache" / "ssmgui" / "run"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize("value", ["off", "OFF", "0", "no"])
def test_the_switch_turns_it_off(value: str) -> None:
    assert not wire.enabled({wire.SWITCH: value})


def test_messages_are_split_at_newlines_whatever_the_chunks() -> None:
    lines = wire.Lines()
    data = wire.encode({"accepted": True}) + wire.encode({"rc": 0})
    lines.feed(data[:5])
    assert lines.take() is None
    lines.feed(data[5:], [7, 8])  # both in one delivery: neither is lost
    assert [lines.take(), lines.take(), lines.take()] == [{"accepted": True}, {"rc": 0}, None]
    assert lines.fds == [7, 8]


@pytest.mark.parametrize("data", [b"[1, 2]\n", b"not json\n", b"x" * (wire.MAX_MESSAGE_BYTES + 1)])
def test_what_is_not_a_message_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        wire.Lines().feed(data)
