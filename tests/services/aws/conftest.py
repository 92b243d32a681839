"""AWS test fixtures: a temp HOME whose AWS files botocore reads, and nothing else of AWS's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ssmgui.services.identity.profiles import AwsFiles


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AwsFiles:
    """Empty config and credentials files under a temp HOME, named by AWS_CONFIG_FILE and
    AWS_SHARED_CREDENTIALS_FILE; no other AWS_* or proxy variable from the shell."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    for name in list(os.environ):
        if name.startswith("AWS_") or name.lower() in ("https_proxy", "http_proxy", "no_proxy"):
            monkeypatch.delenv(name)
    files = AwsFiles(home / ".aws" / "config", home / ".aws" / "credentials")
    files.config.write_text("", encoding="utf-8")
    files.credentials.write_text("", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(files.config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(files.credentials))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return files
