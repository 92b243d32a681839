"""FakeKms: kms:GenerateDataKey for the fake's KMS-encrypted shells (docs/protocol.md §14).

Just enough of KMS for the session handshake: a data key is random bytes; its
"CiphertextBlob" is an opaque handle the fake agent gives back (`decrypt`) with the
encryption context, which must match the one it was made with, as KMS requires. Keys are
known by id, ARN or alias. Served on the fake's API endpoint (`TrentService.<Op>`, AWS JSON
1.1), so botocore reaches it through the same AWS_ENDPOINT_URL as SSM.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any

from ssmgui.demo.control.api import ApiError

DEMO_KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/0de0c0de-5e55-4e55-8e55-000000000001"
DEMO_KEY_ALIAS = "alias/demo-sessions"
MAX_DATA_KEY_BYTES = 1024


@dataclass
class FakeKms:
    """Keys by every name they answer to (id, ARN, alias) → ARN, and the data keys made."""

    keys: dict[str, str] = field(
        default_factory=lambda: {DEMO_KEY_ARN: DEMO_KEY_ARN, DEMO_KEY_ALIAS: DEMO_KEY_ARN}
    )
    _data_keys: dict[bytes, tuple[bytes, dict[str, str]]] = field(default_factory=dict)

    def generate_data_key(self, body: dict[str, Any]) -> dict[str, Any]:
        """GenerateDataKey's answer. Raises ApiError as KMS answers."""
        arn = self.keys.get(str(body.get("KeyId") or ""))
        if arn is None:
            raise ApiError("NotFoundException", f"Key '{body.get('KeyId')}' does not exist")
        size = body.get("NumberOfBytes")
        if not isinstance(size, int) or not 1 <= size <= MAX_DATA_KEY_BYTES:
            raise ApiError("ValidationException", "NumberOfBytes must be 1 to 1024.")
        context = body.get("EncryptionContext") or {}
        if not isinstance(context, dict):
            raise ApiError("ValidationException", "EncryptionContext must be a map.")
        plaintext = secrets.token_bytes(size)
        blob = b"fake-kms:" + secrets.token_bytes(32)
        self._data_keys[blob] = (plaintext, {str(k): str(v) for k, v in context.items()})
        return {
            "CiphertextBlob": base64.b64encode(blob).decode(),
            "Plaintext": base64.b64encode(plaintext).decode(),
            "KeyId": arn,
        }

    def decrypt(self, blob: bytes, context: dict[str, str]) -> bytes | None:
        """The data key of `blob` if `context` is the one it was made with, else None (KMS
        answers InvalidCiphertextException)."""
        found = self._data_keys.get(blob)
        if found is None or found[1] != context:
            return None
        return found[0]
