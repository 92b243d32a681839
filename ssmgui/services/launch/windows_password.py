"""The Windows Administrator password: EC2 GetPasswordData, decrypted with the user's key.

EC2Launch encrypts the generated password with the public half of the instance's key pair
(RSA, PKCS#1 v1.5) and EC2 returns it base64-encoded. The private key file is chosen by the
user and read only here; the password is returned to the caller (the GUI puts it on the
clipboard) and never logged, written, or put in an exception.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from botocore import exceptions as boto_errors
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ssmgui.core.errors import PasswordNotAvailableError, WindowsPasswordError
from ssmgui.services.aws.errors import client_error, translated

_NOT_YET = (
    "EC2 has no Administrator password for {instance} yet. A new Windows instance needs a "
    "few minutes (sometimes 15) after launch to generate one; try again shortly. Instances "
    "from images without EC2Launch/EC2Config password generation, or whose password was "
    "already changed and the data cleared, never have one: ask who built the image."
)


class PassphraseNeededError(WindowsPasswordError):
    """The key file is protected by a passphrase and none (or an empty one) was given."""


def windows_password(
    ec2: Any,
    instance_id: str,
    key_file: Path,
    *,
    passphrase: bytes | None = None,
    profile: str = "default",
) -> str:
    """The decrypted Administrator password of `instance_id`.

    `ec2` is a boto3 EC2 client for the instance's region (blocking: call from a worker
    thread). Raises `PasswordNotAvailableError` when EC2 has no password data, and
    `WindowsPasswordError` for an unreadable key file or one that does not match the
    instance's key pair.
    """
    data = password_data(ec2, instance_id, profile)
    return decrypt_password(data, load_private_key(key_file, passphrase))


def password_data(ec2: Any, instance_id: str, profile: str) -> str:
    """EC2's encrypted PasswordData for `instance_id`; `PasswordNotAvailableError` when it
    is empty (a few minutes after launch, or never for some images)."""
    with translated(profile, "read the Windows password"):
        try:
            response = ec2.get_password_data(InstanceId=instance_id)
        except boto_errors.ClientError as exc:
            raise _refusal(profile, instance_id, exc) from None
    data = str(response.get("PasswordData") or "").strip()
    if not data:
        raise PasswordNotAvailableError(_NOT_YET.format(instance=instance_id))
    return data


def _refusal(profile: str, instance_id: str, exc: boto_errors.ClientError) -> Exception:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code.startswith("InvalidInstanceID"):
        return WindowsPasswordError(
            f"EC2 does not know instance {instance_id} in this region (profile '{profile}')."
        )
    if code in ("UnauthorizedOperation", "AccessDenied", "AccessDeniedException"):
        return WindowsPasswordError(
            f"Profile '{profile}' may not read Windows passwords: it needs "
            "ec2:GetPasswordData on the instance."
        )
    return client_error(profile, "read the Windows password", exc)


def load_private_key(key_file: Path, passphrase: bytes | None = None) -> rsa.RSAPrivateKey:
    """The RSA private key in `key_file` (PEM: PKCS#1 "RSA PRIVATE KEY" or PKCS#8)."""
    try:
        pem = key_file.read_bytes()
    except OSError as error:
        raise WindowsPasswordError(
            f"The key file {key_file} could not be read: {error.strerror}."
        ) from None
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except TypeError:
        raise PassphraseNeededError(
            f"The key file {key_file} is protected by a passphrase: enter it."
        ) from None
    except ValueError:
        # OpenSSH-format keys ("BEGIN OPENSSH PRIVATE KEY") land here too: EC2 hands out
        # PEM, and ed25519 key pairs cannot decrypt Windows passwords at all.
        raise WindowsPasswordError(
            f"{key_file} is not a PEM RSA private key (or the passphrase is wrong). Use the "
            ".pem file EC2 gave you when the key pair was created."
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise WindowsPasswordError(
            f"{key_file} holds a {type(key).__name__.removeprefix('_')} key; Windows passwords "
            "are encrypted for RSA key pairs only."
        )
    return key


def decrypt_password(password_data: str, key: rsa.RSAPrivateKey) -> str:
    """Decrypt EC2's base64 PasswordData with `key` (RSA PKCS#1 v1.5)."""
    mismatch = WindowsPasswordError(
        "The password could not be decrypted with this key: choose the private key of the key "
        "pair the instance was launched with."
    )
    try:
        ciphertext = base64.b64decode(password_data, validate=True)
    except (binascii.Error, ValueError):
        raise mismatch from None
    if len(ciphertext) != key.key_size // 8:
        raise mismatch
    try:
        password = key.decrypt(ciphertext, padding.PKCS1v15()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise mismatch from None
    # With OpenSSL's implicit rejection a wrong key yields random bytes, not an error;
    # generated Windows passwords are printable.
    if not password or not password.isprintable():
        raise mismatch
    return password
