"""The real `ssmgui` command in a process of its own, with a private home and nothing to
reach: as a user's mistyped command would run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_ssmgui(
    args: list[str], home: Path, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`ssmgui args` with only `home`'s AWS files (`home/config`, `home/credentials`), no
    instance metadata, and the `extra` environment variables."""
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "SSMGUI_BROKER": "off",  # no helper outliving the test
        **(extra or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "ssmgui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
