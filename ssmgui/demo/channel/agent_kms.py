"""AgentEncryption: the agent's side of a KMS-encrypted shell (docs/protocol.md §14).

It asks for KMSEncryption in the HandshakeRequest (the key and a random challenge text),
takes the client's encrypted data key from the HandshakeResponse and has it decrypted with
the encryption context the agent uses (the fake's KMS, `demo/control/kms.py`), then sends
an encryption challenge and checks the answer. Payload encryption is `ssm/kms.py`'s, with
the agent's halves of the key.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any, Protocol

from ssmgui.core.errors import ProtocolError
from ssmgui.ssm.kms import SessionCipher, encryption_context

CHALLENGE_BYTES = 64
ENCRYPTED_MESSAGE = "This session is encrypted using AWS KMS."


class KeyUnwrapper(Protocol):
    def decrypt(self, blob: bytes, context: dict[str, str]) -> bytes | None: ...


class AgentEncryption:
    def __init__(
        self, key_id: str, unwrapper: KeyUnwrapper, session_id: str, target_id: str
    ) -> None:
        self.key_id = key_id
        self.challenge_text = secrets.token_urlsafe(24)
        self.cipher: SessionCipher | None = None
        self._unwrapper = unwrapper
        self._session_id = session_id
        self._target_id = target_id
        self._challenge = b""

    def action(self) -> dict[str, object]:
        """The KMSEncryption action of the HandshakeRequest."""
        parameters = {"KMSKeyId": self.key_id, "Challenge": self.challenge_text}
        return {"ActionType": "KMSEncryption", "ActionParameters": parameters}

    def finalize(self, response: dict[str, Any]) -> str | None:
        """Take the data key from the HandshakeResponse; the reason it failed, or None."""
        for action in response.get("ProcessedClientActions") or []:
            if isinstance(action, dict) and action.get("ActionType") == "KMSEncryption":
                return self._take_key(action)
        return "The client did not answer the KMSEncryption request."

    def _take_key(self, action: dict[str, Any]) -> str | None:
        if action.get("ActionStatus") != 1:
            return f"Encryption failed on the client: {action.get('Error') or 'no reason'}"
        result = action.get("ActionResult")
        try:
            assert isinstance(result, dict)
            blob = base64.b64decode(str(result["KMSCipherTextKey"]))
        except (AssertionError, KeyError, ValueError):
            return "The client's KMSEncryption answer holds no data key."
        challenge = self.challenge_text if result.get("ChallengeAcknowledgement") else ""
        context = encryption_context(self._session_id, self._target_id, challenge)
        data_key = self._unwrapper.decrypt(blob, context)
        if data_key is None:
            return "Fetching data key failed: KMS could not decrypt it with this session's context."
        self.cipher = SessionCipher(data_key, client=False)
        return None

    def challenge_request(self) -> bytes:
        """PT8: 64 random bytes, encrypted with the agent's key."""
        assert self.cipher is not None
        self._challenge = secrets.token_bytes(CHALLENGE_BYTES)
        encrypted = self.cipher.encrypt(self._challenge)
        return json.dumps({"Challenge": base64.b64encode(encrypted).decode()}).encode()

    def challenge_answered(self, payload: bytes) -> bool:
        """PT9: the same bytes, encrypted with the client's key?"""
        if self.cipher is None or not self._challenge:
            return False
        try:
            answer = base64.b64decode(json.loads(payload)["Challenge"])
            return self.cipher.decrypt(answer) == self._challenge
        except (ValueError, KeyError, TypeError, ProtocolError):
            return False
