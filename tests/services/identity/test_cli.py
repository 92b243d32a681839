"""`ssmgui --demo login/whoami/forget` against the demo world, driven like a terminal."""

from __future__ import annotations

import argparse
import io

import pytest

from ssmgui.cli import identity_commands


def test_demo_login_prompts_once_and_prints_the_identity(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("12 34 56\n"))
    args = argparse.Namespace(demo=True, profile="demo-staging", force=False)
    assert identity_commands.run_login(args) == 0
    out = capsys.readouterr()
    # demo-staging is a role assumed through demo-prod with demo-prod's MFA device.
    assert "assumed-role/demo-staging-admin" in out.out and "Expires:" in out.out
    assert out.err.count("MFA code for 'demo-staging' (arn:aws:iam::111111111111:mfa/") == 1


def test_register_adds_the_commands() -> None:
    parser = argparse.ArgumentParser()
    identity_commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["whoami", "--profile", "x"])
    assert args.handler is identity_commands.run_whoami and args.profile == "x"
    assert parser.parse_args(["forget"]).profile is None
