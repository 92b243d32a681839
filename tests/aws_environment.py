"""A fixture for tests of how AWS is reached: nothing from the machine's environment.

`clean_env` removes the proxy and CA variables (either case) and AWS_PROFILE, points
botocore at an empty config file of the test's own (returned) and a credentials path in
the same folder, and keeps botocore away from instance metadata.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in (*PROXY_VARIABLES, "AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    config_file = tmp_path / "config"
    config_file.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return config_file
