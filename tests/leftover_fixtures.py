"""For the crash tests: the fake AWS in a process of its own, what it says about sessions,
and the environment that points ssmgui processes at it with a private state folder.

The fake must outlive the ssmgui processes the tests kill, so it cannot share their
process; the tests then ask it, as AWS would be asked, which sessions are still active.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Literal

import boto3

ECHO_INSTANCE = "i-0de0000000000e001"  # python -m ssmgui.demo: ports 7 and 22 echo


def sessions_in(info: dict[str, Any], state: Literal["Active", "History"]) -> set[str]:
    """DescribeSessions: the ids of the fake's "Active" or "History" sessions."""
    client = boto3.client(
        "ssm",
        region_name=info["region"],
        endpoint_url=info["api_url"],
        aws_access_key_id=info["access_key_id"],
        aws_secret_access_key=info["secret_access_key"],
    )
    found: set[str] = set()
    for page in client.get_paginator("describe_sessions").paginate(State=state):
        found.update(session["SessionId"] for session in page["Sessions"])
    return found


def until_terminated(info: dict[str, Any], session_ids: set[str], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not session_ids <= sessions_in(info, "History"):
        assert time.monotonic() < deadline, (
            f"still active: {session_ids & sessions_in(info, 'Active')}"
        )
        time.sleep(0.1)


def ssmgui_env(info: dict[str, Any], home: Path) -> dict[str, str]:
    """The demo keys in the environment (the "(environment)" profile), empty AWS files, and
    folders of the test's own for state, settings and cache; no keyring."""
    aws = home / "aws"
    aws.mkdir(parents=True, exist_ok=True)
    for name in ("config", "credentials"):
        (aws / name).touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=info["access_key_id"],
        AWS_SECRET_ACCESS_KEY=info["secret_access_key"],
        AWS_DEFAULT_REGION=info["region"],
        AWS_CONFIG_FILE=str(aws / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(aws / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


def session_records(home: Path) -> list[Path]:
    """The session record files under the state folder `ssmgui_env` names."""
    folder = home / "state" / "ssmgui" / "sessions"
    return sorted(folder.iterdir()) if folder.exists() else []
