"""KMS encryption of a shell session's payloads, as the plugin and agent do it
(docs/protocol.md §14).

The client asks KMS for a 64-byte data key under the agent's key and encryption context
and hands the agent the encrypted copy; each side then holds the same 64 bytes: the agent
encrypts with the first half and decrypts with the second, the client the other way round.
A payload is a 12-byte random nonce, then AES-256-GCM ciphertext and tag, no associated
data. The agent proves the keys match with a challenge the client decrypts and encrypts
again.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ssmgui.core.errors import ProtocolError

DATA_KEY_BYTES = 64
NONCE_BYTES = 12
SESSION_ID_CONTEXT = "aws:ssm:SessionId"
TARGET_ID_CONTEXT = "aws:ssm:TargetId"
CHALLENGE_CONTEXT = "aws:ssm:RandomChallenge"


class DataKeySource(Protocol):
    """kms:GenerateDataKey for one session's target, with the caller's credentials."""

    @property
    def target_id(self) -> str: ...

    async def generate_data_key(
        self, key_id: str, context: Mapping[str, str]
    ) -> tuple[bytes, bytes]:
        """(CiphertextBlob, Plaintext) of a DATA_KEY_BYTES key. Raises SsmGuiError saying
        what to do when KMS refuses (an AccessDenied names the key and the action)."""
        ...


@dataclass(frozen=True)
class KmsRequest:
    """The agent's KMSEncryption action: the key, and its random challenge (may be empty)."""

    key_id: str
    challenge: str = ""


def encryption_context(session_id: str, target_id: str, challenge: str) -> dict[str, str]:
    """What the agent's kms:Decrypt names; the challenge only when the agent sent one."""
    context = {SESSION_ID_CONTEXT: session_id, TARGET_ID_CONTEXT: target_id}
    if challenge:
        context[CHALLENGE_CONTEXT] = challenge
    return context


def action_result(ciphertext_blob: bytes, request: KmsRequest) -> dict[str, object]:
    """The KMSEncryption ActionResult: the encrypted data key (base64, as Go's []byte)."""
    return {
        "KMSCipherTextKey": base64.b64encode(ciphertext_blob).decode(),
        "KMSCipherTextHash": None,
        "ChallengeAcknowledgement": bool(request.challenge),
    }


class SessionCipher:
    """One side's two AES-256-GCM keys from the 64-byte data key. `client=True`: decrypt
    with the first half (the agent's), encrypt with the second."""

    def __init__(self, data_key: bytes, *, client: bool = True) -> None:
        if len(data_key) != DATA_KEY_BYTES:
            raise ProtocolError(f"KMS returned a {len(data_key)}-byte data key, not 64.")
        first, second = AESGCM(data_key[:32]), AESGCM(data_key[32:])
        self._encrypt, self._decrypt = (second, first) if client else (first, second)

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._encrypt.encrypt(nonce, plaintext, None)

    def decrypt(self, payload: bytes) -> bytes:
        """Raises ProtocolError when the payload was not encrypted with the peer's key."""
        try:
            return self._decrypt.decrypt(payload[:NONCE_BYTES], payload[NONCE_BYTES:], None)
        except (InvalidTag, ValueError):
            raise ProtocolError(
                "An encrypted message of the session could not be decrypted with the "
                "session's KMS data key, so the session was closed."
            ) from None

    def answer_challenge(self, request_payload: bytes) -> bytes:
        """The EncChallengeResponse (PT9) to an EncChallengeRequest (PT8): the challenge
        decrypted with the peer's key and encrypted with ours, as JSON with base64."""
        try:
            challenge = base64.b64decode(json.loads(request_payload)["Challenge"])
        except (ValueError, KeyError, TypeError):
            raise ProtocolError("The agent sent an unreadable encryption challenge.") from None
        answer = self.encrypt(self.decrypt(challenge))
        return json.dumps({"Challenge": base64.b64encode(answer).decode()}).encode()
