"""A real Secret Service keyring (gnome-keyring-daemon on a private D-Bus session)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.real_clients

CHILD = r"""
import json, keyring
from ssmgui.services.identity.secrets import SecretStore
store = SecretStore.from_system(service="ssmgui-test")
value = "".join(chr(ord("a") + i % 26) for i in range(5000))
store.write("mfa-session:ci", value)
again = SecretStore.from_system(service="ssmgui-test")
backend = keyring.get_keyring()
parts = [backend.get_password("ssmgui-test", f"mfa-session:ci#{g}#{i}")
         for g in [json.loads(backend.get_password("ssmgui-test", "mfa-session:ci")
                              .split(":", 1)[1])["g"]] for i in range(5)]
result = {"where": store.location, "round_trip": again.read("mfa-session:ci") == value,
          "part_sizes": [len(p.encode("utf-16-le")) for p in parts]}
result["deleted"] = again.delete("mfa-session:ci") and again.read("mfa-session:ci") is None
print(json.dumps(result))
"""


@pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="gnome-keyring-daemon / dbus-run-session not installed",
)
def test_round_trip_and_splitting_in_gnome_keyring(tmp_path: Path) -> None:
    runtime, data = tmp_path / "run", tmp_path / "data"
    for directory in (runtime, data):
        directory.mkdir(mode=0o700)
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_DATA_HOME": str(data),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    script = (
        'printf "%s" ci-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null'
        ' && exec "$@"'
    )
    completed = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script, "sh", sys.executable, "-c", CHILD],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert "SecretService" in result["where"]
    assert result["round_trip"] is True
    assert len(result["part_sizes"]) == 5 and max(result["part_sizes"]) <= 2560
    assert result["deleted"] is True
