"""The Windows password: EC2 GetPasswordData over moto's HTTP server, and real RSA decryption.

moto answers a Windows instance with 128 random characters (not ciphertext), so decryption
is tested on data encrypted here with a generated key, handed out by a stub EC2 client; moto
covers the "no password data", "random data" and "unknown instance" answers.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from ssmgui.core.errors import PasswordNotAvailableError, WindowsPasswordError
from ssmgui.services.launch.windows_password import decrypt_password, windows_password

PASSWORD = "Xk9$w!Qz;r@P3m(v"  # the shape EC2Launch generates: printable ASCII


@pytest.fixture(scope="module")
def ec2() -> Iterator[Any]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield boto3.client(
            "ec2",
            region_name="eu-west-1",
            endpoint_url=f"http://{host}:{port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}),
        )
    finally:
        server.stop()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_pem(path: Path, key: Any, passphrase: bytes | None = None) -> Path:
    encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    if passphrase:
        encryption = serialization.BestAvailableEncryption(passphrase)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    return path


def encrypt_like_ec2(key: rsa.RSAPrivateKey, password: str) -> str:
    ciphertext = key.public_key().encrypt(password.encode(), padding.PKCS1v15())
    return base64.b64encode(ciphertext).decode()


class StubEc2:
    """An EC2 client that answers GetPasswordData with the given data, or raises."""

    def __init__(self, data: str = "", error_code: str = "") -> None:
        self.data = data
        self.error_code = error_code
        self.calls: list[dict[str, str]] = []

    def get_password_data(self, **kwargs: str) -> dict[str, str]:
        self.calls.append(kwargs)
        if self.error_code:
            error = {"Error": {"Code": self.error_code, "Message": "refused"}}
            raise ClientError(error, "GetPasswordData")  # type: ignore[arg-type]
        return {"InstanceId": kwargs["InstanceId"], "PasswordData": self.data}


#: From moto's bundled AMI list: Windows Server 2016 and Ubuntu (no Platform).
WINDOWS_AMI, LINUX_AMI = "ami-03cf127a", "ami-1e749f67"


def launch(ec2: Any, windows: bool, key_name: str) -> str:
    image = WINDOWS_AMI if windows else LINUX_AMI
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, KeyName=key_name)
    return str(instance["Instances"][0]["InstanceId"])


def test_decrypts_what_ec2_encrypted_and_logs_nothing(
    tmp_path: Path, rsa_key: rsa.RSAPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stub = StubEc2(encrypt_like_ec2(rsa_key, PASSWORD) + "\n")
    key_file = write_pem(tmp_path / "k.pem", rsa_key)
    assert windows_password(stub, "i-0abc", key_file) == PASSWORD
    assert stub.calls == [{"InstanceId": "i-0abc"}]
    assert PASSWORD not in caplog.text
    assert [p.name for p in tmp_path.iterdir()] == ["k.pem"]  # nothing written


def test_passphrase_protected_key(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    stub = StubEc2(encrypt_like_ec2(rsa_key, PASSWORD))
    key_file = write_pem(tmp_path / "k.pem", rsa_key, b"open sesame")
    with pytest.raises(WindowsPasswordError, match="protected by a passphrase"):
        windows_password(stub, "i-0abc", key_file)
    assert windows_password(stub, "i-0abc", key_file, passphrase=b"open sesame") == PASSWORD


def test_the_wrong_key_is_named_as_such(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = encrypt_like_ec2(rsa_key, PASSWORD)
    with pytest.raises(WindowsPasswordError, match="key pair the instance was launched with"):
        decrypt_password(data, other)
    with pytest.raises(WindowsPasswordError, match="key pair the instance was launched with"):
        decrypt_password("not base64!", rsa_key)


def test_unusable_key_files(tmp_path: Path) -> None:
    stub = StubEc2(base64.b64encode(b"x" * 256).decode())
    with pytest.raises(WindowsPasswordError, match="could not be read"):
        windows_password(stub, "i-0abc", tmp_path / "missing.pem")
    openssh = tmp_path / "id_ed25519"
    openssh.write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    with pytest.raises(WindowsPasswordError, match="not a PEM RSA private key"):
        windows_password(stub, "i-0abc", openssh)
    ec_key = write_pem(tmp_path / "ec.pem", ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(WindowsPasswordError, match="RSA key pairs only"):
        windows_password(stub, "i-0abc", ec_key)


def test_refusals_say_what_is_missing(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    key_file = write_pem(tmp_path / "k.pem", rsa_key)
    with pytest.raises(WindowsPasswordError, match="ec2:GetPasswordData"):
        windows_password(StubEc2(error_code="UnauthorizedOperation"), "i-0abc", key_file)


def test_moto_windows_instance_with_an_imported_key(
    ec2: Any, tmp_path: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    public = rsa_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    ec2.import_key_pair(KeyName="mine", PublicKeyMaterial=public)
    instance = launch(ec2, windows=True, key_name="mine")
    key_file = write_pem(tmp_path / "k.pem", rsa_key)
    # moto's PasswordData is random text, not ciphertext: it reads as a key mismatch.
    with pytest.raises(WindowsPasswordError, match="could not be decrypted with this key"):
        windows_password(ec2, instance, key_file)


def test_moto_linux_instance_has_no_password_data(
    ec2: Any, tmp_path: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    ec2.create_key_pair(KeyName="linux")
    instance = launch(ec2, windows=False, key_name="linux")
    with pytest.raises(PasswordNotAvailableError, match="few minutes") as caught:
        windows_password(ec2, instance, write_pem(tmp_path / "k.pem", rsa_key))
    assert instance in caught.value.user_message
    assert "never have one" in caught.value.user_message


def test_moto_unknown_instance(ec2: Any, tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(WindowsPasswordError, match="does not know instance i-0123456789abcdef0"):
        windows_password(ec2, "i-0123456789abcdef0", write_pem(tmp_path / "k.pem", rsa_key))
