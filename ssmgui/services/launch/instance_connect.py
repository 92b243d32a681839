"""SSH without authorized_keys: EC2 Instance Connect's SendSSHPublicKey, just before ssh.

EC2 keeps a pushed public key in the instance's metadata for 60 s, where sshd's
`AuthorizedKeysCommand` (the ec2-instance-connect package, in Amazon Linux 2/2023 and
Ubuntu 20.04+) finds it; after that the key is gone, so a push is done right before ssh
connects, and again when the last one for that (instance, user, key) is older than
`REPUSH_AFTER_S`. The GUI and `ssmgui connect … ssh` push a key made for this run
(`EphemeralKey`: ed25519, its private part in memory and, for ssh to read, in a 0600 file in
a private folder removed at `close()` or at the next start after a crash); `ssmgui ssh-proxy
--push-key` pushes the public part of the key ssh itself uses (`public_key_text`).

Every call blocks (boto3): run it in a worker thread. Refusals are `InstanceConnectError`s
that say what to do, the shell (no key at all) among it; hybrid (mi-) nodes are refused
before any call: they are not EC2 instances.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore import exceptions as boto_errors
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ssmgui.core.errors import ConfigurationError, SsmGuiError
from ssmgui.services.aws.errors import client_error, translated
from ssmgui.services.owned_temp_dirs import owned_temp_dir, remove_leftovers

KEY_LIFETIME_S = 60.0  # how long EC2 keeps a pushed key
REPUSH_AFTER_S = 50.0  # a push older than this may expire before ssh has authenticated
KEY_FOLDER_PREFIX = "ssmgui-key-"
KEY_COMMENT = "ssmgui-instance-connect"
#: What ssh offers first when no key is named (ssh_config(5), IdentityFile), public halves.
DEFAULT_PUBLIC_KEYS = ("id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub")
_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
              "ecdsa-sha2-nistp521")  # fmt: skip
_DENIED = ("AccessDenied", "AccessDeniedException", "AuthException", "UnauthorizedOperation")

#: (profile, region, service) → an endpoint URL to use instead of botocore's, or None.
EndpointFor = Callable[[str, str, str], str | None]


class InstanceConnectError(SsmGuiError):
    """EC2 Instance Connect cannot give this instance a key; the message says what to do."""


def shell_hint(instance_id: str) -> str:
    return f"Open a shell instead (ssmgui shell {instance_id}): it needs no key."


def check_supported(instance_id: str) -> None:
    """Refuse a hybrid (mi-) node before any call: EC2 Instance Connect serves EC2 only."""
    if instance_id.startswith("mi-"):
        raise InstanceConnectError(
            f"{instance_id} is a hybrid (on-premises) node: EC2 Instance Connect can push "
            "keys to EC2 instances only. Put your key in the node's authorized_keys, or "
            + shell_hint(instance_id)
        )


class EphemeralKey:
    """An ed25519 key made for this run. `public_openssh` is what is pushed; `private_file()`
    writes the private part for ssh (0600, in a 0700 folder of this process) once."""

    def __init__(self, temp_root: str | Path | None = None) -> None:
        self._key = Ed25519PrivateKey.generate()
        self._temp_root = temp_root
        self._folder: Path | None = None
        self._lock = threading.Lock()
        public = self._key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        self.public_openssh = f"{public.decode()} {KEY_COMMENT}"

    @staticmethod
    def remove_leftovers(temp_root: str | Path | None = None) -> list[Path]:
        """The key folders of crashed runs, removed (at start)."""
        return remove_leftovers(KEY_FOLDER_PREFIX, temp_root)

    def private_file(self) -> Path:
        """The private key in OpenSSH's format, for `ssh -i` (written on first use)."""
        with self._lock:
            if self._folder is None:
                self._folder = owned_temp_dir(KEY_FOLDER_PREFIX, self._temp_root)
            path = self._folder / "id_ed25519"
            if not path.exists():
                _write_private(path, self._private_bytes())
            return path

    def close(self) -> None:
        """Remove the private key's folder (on quit)."""
        with self._lock:
            folder, self._folder = self._folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def _private_bytes(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )


def _write_private(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(content)


def default_public_key(home: Path | None = None) -> Path:
    """The public half of the key ssh uses when none is named: the first of
    ~/.ssh/id_ed25519.pub, id_ecdsa.pub, id_rsa.pub. ConfigurationError when none exists."""
    folder = (home or Path.home()) / ".ssh"
    for name in DEFAULT_PUBLIC_KEYS:
        if (folder / name).is_file():
            return folder / name
    raise ConfigurationError(
        f"--push-key needs the public half of the key ssh logs in with, and none of "
        f"{', '.join(DEFAULT_PUBLIC_KEYS)} is in {folder}: pass --public-key FILE.pub "
        "(the one of ssh's IdentityFile), or make one with ssh-keygen -t ed25519."
    )


def public_key_text(path: Path) -> str:
    """The OpenSSH public key in `path` (one line). ConfigurationError for a file that
    cannot be read or holds no public key (a private key given by mistake, say)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"Cannot read the public key {path}: {exc}.") from None
    first = text.splitlines()[0] if text else ""
    if first.split(" ", 1)[0] not in _KEY_TYPES:
        raise ConfigurationError(
            f"{path} is not an OpenSSH public key (ssh-ed25519, ecdsa or ssh-rsa): give the "
            ".pub file of the key ssh logs in with."
        )
    return first


class InstanceConnect:
    """Pushes keys with `session_for(profile)`'s credentials. `endpoint_for` names an
    endpoint for a (profile, region) when it is not botocore's own (the demo, tests)."""

    def __init__(
        self,
        session_for: Callable[[str], boto3.Session],
        endpoint_for: EndpointFor | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session_for = session_for
        self._endpoint_for = endpoint_for
        self._clock = clock
        self._clients: dict[tuple[str, str], Any] = {}
        self._pushed: dict[tuple[str, str, str, str, str], float] = {}
        self._lock = threading.Lock()

    def push(self, profile: str, region: str, instance_id: str, os_user: str, key: str) -> bool:
        """Make `key` valid for `os_user` on `instance_id` for the next minute; False when
        the same key was pushed less than REPUSH_AFTER_S ago (still valid: no call made).
        Raises InstanceConnectError (or another SsmGuiError) saying what to do."""
        check_supported(instance_id)
        if not os_user:
            raise ConfigurationError("EC2 Instance Connect needs the user ssh logs in as.")
        where = (profile, region, instance_id, os_user, key)
        with self._lock:
            last = self._pushed.get(where)
        if last is not None and self._clock() - last < REPUSH_AFTER_S:
            return False
        started = self._clock()
        client = self._client(profile, region)
        with translated(profile, "push an SSH key with EC2 Instance Connect"):
            try:
                client.send_ssh_public_key(
                    InstanceId=instance_id, InstanceOSUser=os_user, SSHPublicKey=key
                )
            except boto_errors.ClientError as exc:
                raise refusal(profile, instance_id, os_user, exc) from None
        with self._lock:
            self._pushed[where] = started
        return True

    def _client(self, profile: str, region: str) -> Any:
        with self._lock:
            client = self._clients.get((profile, region))
        if client is None:
            service = "ec2-instance-connect"
            named = self._endpoint_for(profile, region, service) if self._endpoint_for else None
            with translated(profile, "reach EC2 Instance Connect"):
                session = self._session_for(profile)
                client = session.client(
                    "ec2-instance-connect", region_name=region, endpoint_url=named
                )
            with self._lock:
                self._clients[profile, region] = client
        return client


def refusal(
    profile: str, instance_id: str, os_user: str, exc: boto_errors.ClientError
) -> SsmGuiError:
    """The person's words for a SendSSHPublicKey refusal."""
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    shell = shell_hint(instance_id)
    if code in _DENIED:
        return InstanceConnectError(
            f"Profile '{profile}' may not push SSH keys to {instance_id}: it needs "
            f"ec2-instance-connect:SendSSHPublicKey on the instance (for OS user {os_user}). "
            + shell
        )
    if code == "EC2InstanceNotFoundException":
        return InstanceConnectError(
            f"EC2 Instance Connect does not know {instance_id} in this region (profile "
            f"'{profile}'). " + shell
        )
    if code == "EC2InstanceStateInvalidException":
        return InstanceConnectError(
            f"{instance_id} is not running (EC2 Instance Connect needs a running instance): "
            "start it first."
        )
    if code == "EC2InstanceUnavailableException":
        return InstanceConnectError(
            f"EC2 Instance Connect cannot reach {instance_id} just now: try again in a few "
            "minutes. " + shell
        )
    if code in ("InvalidArgsException", "ServiceException"):
        return InstanceConnectError(
            f"EC2 Instance Connect refused a key for {os_user} on {instance_id}: {message} "
            "It serves Linux instances whose image has the ec2-instance-connect package. " + shell
        )
    return client_error(profile, "push an SSH key with EC2 Instance Connect", exc)


#: Said when ssh still refuses after a push: the instance may lack the package.
NOT_ACCEPTED_HINT = (
    "If ssh says 'Permission denied (publickey)' after the key was pushed, the instance's "
    "sshd does not read EC2 Instance Connect keys (its image lacks the ec2-instance-connect "
    "package, or the user does not exist there): open a shell instead."
)


class PushedKeys:
    """For "Connect SSH" with EC2 Instance Connect: one `EphemeralKey` for the run, pushed for
    each connection (again only when the last push is older than REPUSH_AFTER_S)."""

    def __init__(self, connect: InstanceConnect, key: EphemeralKey | None = None) -> None:
        self._connect = connect
        self._key = key or EphemeralKey()

    def key_for(self, profile: str, region: str, instance_id: str, os_user: str) -> Path:
        """The private key file for `ssh -i`, its public half valid on the instance for
        `os_user` for at least the next 10 s. Blocking: run it in a worker thread."""
        self._connect.push(profile, region, instance_id, os_user, self._key.public_openssh)
        return self._key.private_file()

    def close(self) -> None:
        """Remove the private key file (on quit)."""
        self._key.close()
