"""Identity test fixtures: moto over real HTTP on loopback, temp AWS files, memory keyrings."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import keyring.backend
import keyring.errors
import pytest
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from ssmgui.core.credentials import MfaRequest
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles, load_profiles
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.service import IdentityService

ONE_ATTEMPT = Config(retries={"max_attempts": 1})
WIN_VAULT_LIMIT_BYTES = 2560
_counter = itertools.count()


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A dict keyring that, like WinVaultKeyring, refuses blobs over 2,560 UTF-16 bytes."""

    priority = 1

    def __init__(self, limit_bytes: int | None = WIN_VAULT_LIMIT_BYTES) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring is untyped here
        self.entries: dict[tuple[str, str], str] = {}
        self.limit_bytes = limit_bytes
        self.locked = False

    def get_password(self, service: str, username: str) -> str | None:
        self._check_locked()
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check_locked()
        size = len(password.encode("utf-16-le"))
        if self.limit_bytes is not None and size > self.limit_bytes:
            raise keyring.errors.PasswordSetError(
                "(1783, 'CredWrite', 'The stub received bad data.')"
            )
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._check_locked()
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")

    def _check_locked(self) -> None:
        if self.locked:
            raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class ScriptedPrompt:
    """Answers MFA prompts from a list and records each request."""

    answers: list[str | None] = field(default_factory=lambda: ["123456"] * 10)
    requests: list[MfaRequest] = field(default_factory=list)

    def __call__(self, request: MfaRequest) -> str | None:
        self.requests.append(request)
        return self.answers.pop(0)


@dataclass(frozen=True)
class IamUser:
    name: str
    access_key_id: str
    secret_access_key: str
    mfa_serial: str
    role_arn: str


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp HOME with an empty ~/.aws, and no AWS variables from the developer's shell."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    for key in (
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    return home


@pytest.fixture
def iam_user(moto_endpoint: str) -> IamUser:
    """A fresh IAM user with keys, an enabled virtual MFA device, and a role needing MFA."""
    name = f"user{next(_counter)}"
    iam = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=ONE_ATTEMPT,
    )
    iam.create_user(UserName=name)
    keys = iam.create_access_key(UserName=name)["AccessKey"]
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName=name,
        SerialNumber=serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    role = iam.create_role(RoleName=f"{name}-admin", AssumeRolePolicyDocument=trust)
    return IamUser(name, keys["AccessKeyId"], keys["SecretAccessKey"], serial, role["Role"]["Arn"])


def write_aws_files(home: Path, config: str, credentials: str = "") -> AwsFiles:
    files = AwsFiles(home / ".aws" / "config", home / ".aws" / "credentials")
    files.config.write_text(config, encoding="utf-8")
    files.credentials.write_text(credentials, encoding="utf-8")
    return files


def user_files(home: Path, user: IamUser, mfa_on_keys: bool = True) -> AwsFiles:
    """`keys` (static + mfa_serial), `admin` (role + MFA via keys), `plain` (keys, no MFA)."""
    serial_line = f"mfa_serial = {user.mfa_serial}\n" if mfa_on_keys else ""
    config = (
        f"[profile keys]\nregion = eu-west-1\n{serial_line}\n"
        f"[profile admin]\nrole_arn = {user.role_arn}\nsource_profile = keys\n"
        f"mfa_serial = {user.mfa_serial}\nregion = eu-west-1\n\n"
        "[profile plain]\nregion = eu-west-1\n"
    )
    creds = (
        f"[keys]\naws_access_key_id = {user.access_key_id}\n"
        f"aws_secret_access_key = {user.secret_access_key}\n\n"
        f"[plain]\naws_access_key_id = {user.access_key_id}\n"
        f"aws_secret_access_key = {user.secret_access_key}\n"
    )
    return write_aws_files(home, config, creds)


ServiceFactory = Callable[..., IdentityService]


@pytest.fixture
def make_service(moto_endpoint: str, aws_home: Path) -> ServiceFactory:
    """Builds an IdentityService over moto; each call is like an app restart."""

    def build(
        files: AwsFiles,
        store: SecretStore,
        prompt: ScriptedPrompt,
        clock: Callable[[], datetime] | None = None,
    ) -> IdentityService:
        return IdentityService(
            load_profiles=lambda: load_profiles(files, {}),
            store=store,
            clients=AwsClients(config=ONE_ATTEMPT, endpoint_url=moto_endpoint),
            prompt=prompt,
            sso_cache_dir=aws_home / ".aws" / "sso" / "cache",
            clock=clock or FakeClock(),
        )

    return build
