"""Windows Administrator passwords by (profile, region, instance), for the GUI and the CLI.

`WindowsPasswords` makes an EC2 client per (profile, region) from the caller's boto3
sessions and endpoints, asks EC2 which key pair an instance was launched with
(DescribeInstances' KeyName, so the person's key file can be remembered by that name) and
reads the password with `windows_password.py`. Every call blocks (boto3): run it in a
worker thread. The password is returned, never logged or stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from ssmgui.services.aws.errors import translated
from ssmgui.services.launch.windows_password import (
    decrypt_password,
    load_private_key,
    password_data,
    windows_password,
)

#: (profile, region, service) → an endpoint URL to use instead of botocore's, or None.
EndpointFor = Callable[[str, str, str], str | None]


class WindowsPasswords:
    """Reads Windows passwords with `session_for(profile)`'s credentials.

    `endpoint_for` names an EC2 endpoint for a (profile, region) when it is not botocore's
    own (the demo world, tests); None keeps botocore's answer for the profile.
    """

    def __init__(
        self,
        session_for: Callable[[str], boto3.Session],
        endpoint_for: EndpointFor | None = None,
    ) -> None:
        self._session_for = session_for
        self._endpoint_for = endpoint_for
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def key_name(self, profile: str, region: str, instance_id: str) -> str:
        """The name of the key pair `instance_id` was launched with; "" when it has none
        (or EC2 does not say, e.g. for a hybrid node)."""
        ec2 = self._ec2(profile, region)
        with translated(profile, "read the instance's key pair"):
            answer = ec2.describe_instances(InstanceIds=[instance_id])
        for reservation in answer.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                return str(instance.get("KeyName") or "")
        return ""

    def password_data(self, profile: str, region: str, instance_id: str) -> str:
        """The encrypted password; `PasswordNotAvailableError` while EC2 has none. Asked
        before the key file, so nobody chooses a key for a password that does not exist."""
        return password_data(self._ec2(profile, region), instance_id, profile)

    @staticmethod
    def decrypt(data: str, key_file: Path, passphrase: bytes | None = None) -> str:
        """`data` decrypted with the key in `key_file`; `WindowsPasswordError` for a key
        that cannot be read or does not match."""
        return decrypt_password(data, load_private_key(key_file, passphrase))

    def password(
        self,
        profile: str,
        region: str,
        instance_id: str,
        key_file: Path,
        passphrase: bytes | None = None,
    ) -> str:
        """The decrypted password (`password_data`, then `decrypt`)."""
        ec2 = self._ec2(profile, region)
        return windows_password(ec2, instance_id, key_file, passphrase=passphrase, profile=profile)

    def _ec2(self, profile: str, region: str) -> Any:
        with self._lock:
            client = self._clients.get((profile, region))
            if client is None:
                named = self._endpoint_for(profile, region, "ec2") if self._endpoint_for else None
                with translated(profile, "reach EC2"):
                    session = self._session_for(profile)
                    client = session.client("ec2", region_name=region, endpoint_url=named)
                self._clients[profile, region] = client
            return client
