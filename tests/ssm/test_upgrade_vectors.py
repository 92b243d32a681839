"""The WebSocket upgrade is signed exactly as AWS's session-manager-plugin signs it.

`data/ws-upgrade-sigv4.json` holds 120 upgrades signed by the AWS SDK for Go v1 signer, the
one the plugin uses since 1.2.764.0 (a copy of the project's reference vectors: inputs, and
the headers that signer produced). The StreamUrls have real shapes: raw base64 with "/", "+"
and "=", percent-encoded values, either parameter first, session ids with "@", "+" and "'",
hosts of several partitions. Every Authorization must come out byte for byte.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.credentials import ReadOnlyCredentials

from ssmgui.ssm.signing import upgrade_headers

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).with_name("data") / "ws-upgrade-sigv4.json").read_text(encoding="utf-8")
)


def test_all_the_vectors_are_here() -> None:
    assert len(VECTORS) == 120


@pytest.mark.parametrize("case", VECTORS, ids=[f"{i:03d}" for i in range(len(VECTORS))])
def test_the_upgrade_headers_are_the_plugins(case: dict[str, Any]) -> None:
    credentials = ReadOnlyCredentials(
        case["access_key_id"], case["secret_access_key"], case["session_token"] or None
    )
    when = datetime.strptime(case["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    headers = upgrade_headers(case["url"], credentials, case["region"], when)
    assert headers["Authorization"] == case["authorization"]
    assert headers["X-Amz-Date"] == case["x_amz_date"]
    assert headers.get("X-Amz-Security-Token", "") == case.get("x_amz_security_token", "")
