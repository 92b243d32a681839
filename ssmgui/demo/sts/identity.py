"""The demo world's identity: an IAM user with a virtual MFA device and a role, on FakeSts.

`DemoIdentity().start()` runs the fake STS + IAM (`server.py`) on loopback in a background
thread (the CLI that uses it is synchronous), creates the user `demo-user` with keys and an
MFA device and the role `demo-admin` (MFA required), and writes AWS files with two
profiles: `demo` (keys + mfa_serial) and `demo-admin` (assume-role + MFA). Any 6-digit code
is accepted except 000000, so `ssmgui --demo login demo` shows the whole MFA flow offline
with only the runtime dependencies installed.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ssmgui.demo.sts.server import FakeSts

DEMO_PROFILE = "demo"
DEMO_ROLE_PROFILE = "demo-admin"
DEMO_USER = "demo-user"
DEMO_REGION = "eu-west-1"
DEMO_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class DemoIdentityWorld:
    """What a running demo identity offers: its endpoint and the AWS files to use."""

    endpoint_url: str
    config_file: Path
    credentials_file: Path
    mfa_serial: str
    profiles: tuple[str, ...] = (DEMO_PROFILE, DEMO_ROLE_PROFILE)

    @property
    def environment(self) -> dict[str, str]:
        """Variables that point the AWS CLI and botocore at the demo files and endpoint."""
        return {
            "AWS_CONFIG_FILE": str(self.config_file),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_file),
            "AWS_ENDPOINT_URL": self.endpoint_url,
        }


class DemoIdentity:
    """The demo IAM world on a loopback fake STS: `start()` then `stop()`."""

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._sts = FakeSts()

    def start(self) -> DemoIdentityWorld:
        """Start the server, create the IAM user/MFA device/role, write the AWS files."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=loop.run_forever, name="ssmgui-demo-sts", daemon=True
        )
        self._thread.start()
        endpoint = asyncio.run_coroutine_threadsafe(self._sts.start(), loop).result(timeout=10)
        user = self._sts.add_user(DEMO_ACCOUNT, DEMO_USER)
        role_arn = self._sts.add_role(DEMO_ACCOUNT, DEMO_ROLE_PROFILE, requires_mfa=True)
        serial = user.mfa_serial or ""
        directory = self._files_directory()
        config, credentials = directory / "config", directory / "credentials"
        config.write_text(_config_text(serial, role_arn), encoding="utf-8")
        credentials.touch(mode=0o600)
        credentials.chmod(0o600)
        credentials.write_text(
            f"[{DEMO_PROFILE}]\naws_access_key_id = {user.access_key_id}\n"
            f"aws_secret_access_key = {user.secret_access_key}\n",
            encoding="utf-8",
        )
        return DemoIdentityWorld(endpoint, config, credentials, serial)

    def stop(self) -> None:
        """Stop the server and its thread, and remove files this object created."""
        if self._loop is not None and self._thread is not None:
            asyncio.run_coroutine_threadsafe(self._sts.stop(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
            self._loop = self._thread = None
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def _files_directory(self) -> Path:
        if self._directory is not None:
            self._directory.mkdir(parents=True, exist_ok=True)
            return self._directory
        self._tempdir = tempfile.TemporaryDirectory(prefix="ssmgui-demo-aws-")
        return Path(self._tempdir.name)


def _config_text(serial: str, role_arn: str) -> str:
    return (
        f"[profile {DEMO_PROFILE}]\nregion = {DEMO_REGION}\nmfa_serial = {serial}\n"
        f"ssmgui_regions = {DEMO_REGION} us-east-1\n\n"
        f"[profile {DEMO_ROLE_PROFILE}]\nrole_arn = {role_arn}\n"
        f"source_profile = {DEMO_PROFILE}\nmfa_serial = {serial}\nregion = {DEMO_REGION}\n"
    )
