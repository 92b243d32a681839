"""FakeInstanceConnect: EC2 Instance Connect's SendSSHPublicKey, and the instance side that
reads the pushed keys back (docs/protocol.md §15).

The API (AWS JSON 1.1, `X-Amz-Target: AWSEC2InstanceConnectService.SendSSHPublicKey`) is
served on the fake's API endpoint, as KMS is, so botocore reaches it through the same
endpoint URL as SSM. A pushed key is remembered per (instance, OS user) for 60 s, as EC2
keeps it in the instance's metadata for 60 s. On a real instance, sshd's
`AuthorizedKeysCommand` (the ec2-instance-connect package) reads the live keys from the
instance metadata service at `/latest/meta-data/managed-ssh-keys/active-keys/<user>/`; the
fake answers the same path under `/demo-imds/<instance-id>`, so a test's real sshd accepts
exactly the keys pushed to the fake (`curl` as its AuthorizedKeysCommand).

What it refuses, as EC2 Instance Connect does: an unknown instance or a hybrid (mi-) node
(EC2InstanceNotFoundException), one that is not running (EC2InstanceStateInvalidException),
a malformed OS user or key, or a Windows instance (InvalidArgsException).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

KEY_LIFETIME_S = 60.0
IMDS_PREFIX = "/demo-imds/"
ACTIVE_KEYS_PATH = "/latest/meta-data/managed-ssh-keys/active-keys/"
_OS_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9@._-]{0,30}[A-Za-z0-9$_-]?$")
_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
              "ecdsa-sha2-nistp521")  # fmt: skip
_KEY = re.compile(r"^(\S+) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$")


class InstanceConnectError(Exception):
    """An answer as EC2 Instance Connect gives it: `code` is the error's `__type`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class ConnectTarget:
    """What the fake knows of an instance to accept a key for it."""

    state: str = "running"  # EC2's instance state name
    platform: str = "Linux"


@dataclass
class FakeInstanceConnect:
    """Pushed keys by (instance, user) → [(key, expiry on `clock`)]. `target_of(id)` says
    what the fake knows of an instance (None: EC2 does not know it); `clock` is
    time.monotonic unless a test moves time."""

    target_of: Callable[[str], ConnectTarget | None] = lambda _id: None
    clock: Callable[[], float] = time.monotonic
    pushed: dict[tuple[str, str], list[tuple[str, float]]] = field(default_factory=dict)
    calls: int = 0

    def send_ssh_public_key(self, body: dict[str, Any]) -> dict[str, Any]:
        """SendSSHPublicKey's answer; raises InstanceConnectError as the service answers."""
        self.calls += 1
        instance_id = str(body.get("InstanceId") or "")
        user = str(body.get("InstanceOSUser") or "")
        key = str(body.get("SSHPublicKey") or "").strip()
        target = None if instance_id.startswith("mi-") else self.target_of(instance_id)
        if target is None:
            raise InstanceConnectError(
                "EC2InstanceNotFoundException", f"Instance {instance_id} was not found."
            )
        _check_target(instance_id, target)
        _check_request(user, key)
        now = self.clock()
        live = [(k, until) for k, until in self.pushed.get((instance_id, user), []) if until > now]
        live.append((key, now + KEY_LIFETIME_S))
        self.pushed[instance_id, user] = live
        return {"RequestId": f"demo-{self.calls:08d}", "Success": True}

    def active_keys(self, instance_id: str, user: str) -> list[str]:
        """The keys pushed for `user` on `instance_id` less than 60 s ago, oldest first."""
        now = self.clock()
        return [key for key, until in self.pushed.get((instance_id, user), []) if until > now]

    def metadata(self, path: str) -> str | None:
        """The text the instance metadata path `path` (under IMDS_PREFIX) answers; None for a
        path the fake does not serve."""
        rest = path.split("?", 1)[0].removeprefix(IMDS_PREFIX)
        instance_id, _, inner = rest.partition("/")
        if not ("/" + inner).startswith(ACTIVE_KEYS_PATH):
            return None
        user = ("/" + inner).removeprefix(ACTIVE_KEYS_PATH).strip("/")
        if not user or "/" in user:
            return None
        return "".join(key + "\n" for key in self.active_keys(instance_id, user))


def _check_target(instance_id: str, target: ConnectTarget) -> None:
    if target.state != "running":
        raise InstanceConnectError(
            "EC2InstanceStateInvalidException",
            f"Instance {instance_id} is {target.state}: the instance must be running.",
        )
    if target.platform.lower() == "windows":
        raise InstanceConnectError(
            "InvalidArgsException", "EC2 Instance Connect does not support Windows instances."
        )


def _check_request(user: str, key: str) -> None:
    if not _OS_USER.match(user):
        raise InstanceConnectError("InvalidArgsException", "InstanceOSUser is not valid.")
    match = _KEY.match(key)
    if match is None or match.group(1) not in _KEY_TYPES:
        raise InstanceConnectError(
            "InvalidArgsException",
            "SSHPublicKey must be an OpenSSH public key (ssh-ed25519, ecdsa or ssh-rsa).",
        )
