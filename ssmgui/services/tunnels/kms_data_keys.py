"""kms:GenerateDataKey for a KMS-encrypted shell session (docs/protocol.md §14), with the
same sign-in as the session's StartSession: the `DataKeySource` that `ssm/channel.py` asks
when the agent's handshake requests KMSEncryption."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from botocore import exceptions as boto_errors

from ssmgui.core.errors import AccessDeniedError, ServiceUnreachableError, SsmGuiError
from ssmgui.services.aws.errors import client_error
from ssmgui.ssm.kms import DATA_KEY_BYTES

_DENIED = frozenset({"AccessDeniedException", "AccessDenied", "KMSInvalidStateException"})


class KmsDataKeys:
    """Data keys from one profile's KMS in one region, for one target's sessions. The
    client is made on first use: most sessions are not encrypted."""

    def __init__(self, make_client: Callable[[], Any], *, target_id: str, profile: str) -> None:
        self._make_client = make_client
        self._client: Any = None
        self._target_id = target_id
        self._profile = profile

    @property
    def target_id(self) -> str:
        return self._target_id

    async def generate_data_key(
        self, key_id: str, context: Mapping[str, str]
    ) -> tuple[bytes, bytes]:
        if self._client is None:
            self._client = await asyncio.to_thread(self._make_client)
        try:
            answer = await asyncio.to_thread(
                self._client.generate_data_key,
                KeyId=key_id,
                NumberOfBytes=DATA_KEY_BYTES,
                EncryptionContext=dict(context),
            )
        except boto_errors.ClientError as exc:
            raise self._refusal(key_id, exc) from None
        except boto_errors.BotoCoreError as exc:
            raise ServiceUnreachableError(
                f"Cannot reach AWS KMS for the session's encryption key {key_id}: {exc}. "
                "Check your network, VPN or proxy."
            ) from None
        return bytes(answer["CiphertextBlob"]), bytes(answer["Plaintext"])

    def _refusal(self, key_id: str, exc: boto_errors.ClientError) -> SsmGuiError:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _DENIED:
            return AccessDeniedError(
                f"This session is encrypted with the KMS key {key_id} (Session Manager "
                f"preferences), and profile '{self._profile}' may not use it: ask for a "
                f"policy allowing kms:GenerateDataKey on {key_id}."
            )
        return client_error(self._profile, f"call kms:GenerateDataKey on {key_id}", exc)


def kms_data_keys_for(
    session: Any,
    *,
    profile: str,
    region: str,
    target_id: str,
    endpoint_url: str | None = None,
    config: Any = None,
) -> KmsDataKeys:
    """KmsDataKeys from a boto3 Session (its credentials renew as the sign-in allows)."""

    def make_client() -> Any:
        return session.client("kms", region_name=region, endpoint_url=endpoint_url, config=config)

    return KmsDataKeys(make_client, target_id=target_id, profile=profile)
