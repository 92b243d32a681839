"""The demo world's identity: an IAM user with a virtual MFA device and a role, on moto.

`DemoIdentity().start()` runs moto's HTTP server on loopback, creates the user `demo-user`
(with access keys), its virtual MFA device, and the role `demo-admin`, and writes AWS files
with two profiles: `demo` (keys + mfa_serial) and `demo-admin` (assume-role + MFA). moto
accepts any 6-digit code, so `ssmgui --demo login demo` shows the whole MFA flow offline.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

DEMO_PROFILE = "demo"
DEMO_ROLE_PROFILE = "demo-admin"
DEMO_USER = "demo-user"
DEMO_REGION = "eu-west-1"
_BOOTSTRAP_KEY = "testing"  # moto's server does not check signatures


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
    """The demo IAM world on a loopback moto server: `start()` then `stop()`."""

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._server: ThreadedMotoServer | None = None

    def start(self) -> DemoIdentityWorld:
        """Start the server, create the IAM user/MFA device/role, write the AWS files."""
        # werkzeug logs every request at INFO to stderr: noise in a terminal demo.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        iam = boto3.client(
            "iam",
            region_name=DEMO_REGION,
            endpoint_url=endpoint,
            aws_access_key_id=_BOOTSTRAP_KEY,
            aws_secret_access_key=_BOOTSTRAP_KEY,
            config=Config(retries={"max_attempts": 1}),
        )
        iam.create_user(UserName=DEMO_USER)
        keys = iam.create_access_key(UserName=DEMO_USER)["AccessKey"]
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=DEMO_USER)
        serial = device["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(
            UserName=DEMO_USER,
            SerialNumber=serial,
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
        role = iam.create_role(RoleName=DEMO_ROLE_PROFILE, AssumeRolePolicyDocument=_TRUST)
        directory = self._files_directory()
        config, credentials = directory / "config", directory / "credentials"
        config.write_text(_config_text(serial, role["Role"]["Arn"]), encoding="utf-8")
        credentials.write_text(
            f"[{DEMO_PROFILE}]\naws_access_key_id = {keys['AccessKeyId']}\n"
            f"aws_secret_access_key = {keys['SecretAccessKey']}\n",
            encoding="utf-8",
        )
        credentials.chmod(0o600)
        return DemoIdentityWorld(endpoint, config, credentials, serial)

    def stop(self) -> None:
        """Stop the server and remove files this object created."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def _files_directory(self) -> Path:
        if self._directory is not None:
            self._directory.mkdir(parents=True, exist_ok=True)
            return self._directory
        self._tempdir = tempfile.TemporaryDirectory(prefix="ssmgui-demo-aws-")
        return Path(self._tempdir.name)


_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
)


def _config_text(serial: str, role_arn: str) -> str:
    return (
        f"[profile {DEMO_PROFILE}]\nregion = {DEMO_REGION}\nmfa_serial = {serial}\n"
        f"ssmgui_regions = {DEMO_REGION} us-east-1\n\n"
        f"[profile {DEMO_ROLE_PROFILE}]\nrole_arn = {role_arn}\n"
        f"source_profile = {DEMO_PROFILE}\nmfa_serial = {serial}\nregion = {DEMO_REGION}\n"
    )
