"""The handshake, client side (docs/protocol.md §4, §14).

The agent's HandshakeRequest names the session type and the document's properties; we
answer with our ClientVersion (which steers the agent's mux and keepalive choices, §8) and
wait for HandshakeComplete. Which session types are welcome is the caller's choice: Port
for tunnels, Standard_Stream and InteractiveCommands for `ssmgui shell`. KMS encryption
(shell sessions only) is answered when the caller can get data keys (`kms_allowed`): the
request is then held in `kms_request` until `answer_kms`; otherwise it fails the handshake
with an error that names the key.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ssmgui.core.errors import ProtocolError, SsmGuiError
from ssmgui.ssm.kms import KmsRequest
from ssmgui.ssm.message import Frame, PayloadType

ACTION_SUCCESS = 1
ACTION_FAILED = 2
ACTION_UNSUPPORTED = 3
PORT_SESSION_TYPES = frozenset({"Port"})
#: What the plugin runs as a shell (its ShellSession): §14.
SHELL_SESSION_TYPES = frozenset(
    {"Standard_Stream", "InteractiveCommands", "NonInteractiveCommands"}
)
# §8: the plugin uses smux when the agent is newer than this, and turns its own smux
# keepalive off when the agent is newer than the second.
MUX_MIN_EXCLUSIVE = (3, 0, 196, 0)
KEEPALIVE_OFF_MIN_EXCLUSIVE = (3, 1, 1511, 0)


def parse_version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.strip().split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts + [0] * (4 - len(parts)))


@dataclass(frozen=True)
class Handshake:
    agent_version: str
    session_type: str
    properties: Mapping[str, str] = field(default_factory=dict)
    customer_message: str = ""

    @property
    def is_local_port_forwarding(self) -> bool:
        return self.properties.get("type") == "LocalPortForwarding"

    @property
    def uses_mux(self) -> bool:
        return self.is_local_port_forwarding and (
            parse_version(self.agent_version) > MUX_MIN_EXCLUSIVE
        )

    @property
    def smux_keepalive(self) -> bool:
        return parse_version(self.agent_version) <= KEEPALIVE_OFF_MIN_EXCLUSIVE


class HandshakeState:
    """One handshake. `session_types`: the SessionType values this caller can serve; any
    other fails `completed` with a ProtocolError (the response is still sent)."""

    def __init__(
        self,
        client_version: str,
        session_types: frozenset[str] = PORT_SESSION_TYPES,
        *,
        kms_allowed: bool = False,
    ) -> None:
        self._client_version = client_version
        self._session_types = session_types
        self._kms_allowed = kms_allowed
        self.kms_request: KmsRequest | None = None  # waiting for answer_kms
        self._processed: list[dict[str, Any]] = []
        self._request: Handshake | None = None
        self.completed: asyncio.Future[Handshake] = asyncio.get_running_loop().create_future()

    def handle(self, message: Frame) -> bytes | None:
        """Feed a handshake message; returns the HandshakeResponse payload to send, if any
        (None for a request with KMSEncryption that `answer_kms` will answer)."""
        if message.payload_type == PayloadType.HANDSHAKE_REQUEST:
            return self._on_request(message.payload)
        self._on_complete(message.payload)
        return None

    def fail(self, error: SsmGuiError) -> None:
        if not self.completed.done():
            self.completed.set_exception(error)
            self.completed.exception()  # retrieved: nobody may be awaiting it

    def answer_kms(self, result: dict[str, object] | None, error: SsmGuiError | None) -> bytes:
        """The HandshakeResponse once the data key is there (`result`, the ActionResult) or
        could not be had (`error`, which also fails the handshake)."""
        for action in self._processed:
            if action["ActionType"] == "KMSEncryption":
                action["ActionStatus"] = ACTION_SUCCESS if error is None else ACTION_FAILED
                action["ActionResult"] = result
                action["Error"] = "" if error is None else error.user_message
        if error is not None:
            self.fail(error)
        return self._response()

    def _response(self) -> bytes:
        response = {
            "ClientVersion": self._client_version,
            "ProcessedClientActions": self._processed,
            "Errors": None,
        }
        return json.dumps(response, separators=(",", ":")).encode()

    def _on_request(self, payload: bytes) -> bytes | None:
        body = _json_object(payload, "HandshakeRequest")
        processed: list[dict[str, Any]] = []
        session_type, properties = "", {}
        kms_key: str | None = None
        challenge = ""
        for requested in _list(body.get("RequestedClientActions")):
            action = _mapping(requested)
            kind = str(action.get("ActionType", ""))
            params = _mapping(action.get("ActionParameters"))
            if kind == "SessionType":
                session_type = str(params.get("SessionType", ""))
                properties = {k: _text(v) for k, v in _mapping(params.get("Properties")).items()}
                processed.append(_processed(kind, session_type in self._session_types))
            else:  # KMSEncryption: shell sessions only (§14)
                if kind == "KMSEncryption":
                    kms_key = str(params.get("KMSKeyId") or "unnamed")
                    challenge = str(params.get("Challenge") or "")
                processed.append(_processed(kind, False))
        self._request = Handshake(str(body.get("AgentVersion", "")), session_type, properties)
        self._processed = processed
        refusal = self._refusal(session_type, kms_key)
        if refusal is not None:
            self.fail(refusal)
        elif kms_key is not None:
            self.kms_request = KmsRequest(kms_key, challenge)
            return None
        return self._response()

    def _refusal(self, session_type: str, kms_key: str | None) -> ProtocolError | None:
        if session_type not in self._session_types:
            if self._session_types == PORT_SESSION_TYPES:
                return ProtocolError(
                    f"The agent asked for a {session_type or 'unknown'} "
                    "session; ssmgui only opens port sessions."
                )
            return ProtocolError(
                f"The agent asked for a {session_type or 'unknown'} session, which is not "
                "a shell: choose a Standard_Stream or InteractiveCommands document."
            )
        if kms_key is not None and not self._kms_allowed:
            return ProtocolError(
                f"This session is encrypted with the KMS key {kms_key} (Session Manager "
                "preferences), and ssmgui does not support KMS-encrypted sessions yet. Use "
                "AWS's session-manager-plugin for it, or turn KMS encryption off."
            )
        return None

    def _on_complete(self, payload: bytes) -> None:
        body = _json_object(payload, "HandshakeComplete")
        if self._request is None or self.completed.done():
            return
        message = str(body.get("CustomerMessage") or "")
        request = self._request
        self.completed.set_result(
            Handshake(request.agent_version, request.session_type, request.properties, message)
        )


def _processed(action_type: str, ok: bool) -> dict[str, Any]:
    return {
        "ActionType": action_type,
        "ActionStatus": ACTION_SUCCESS if ok else ACTION_UNSUPPORTED,
        "ActionResult": None,
        "Error": "" if ok else f"{action_type} is not supported by ssmgui",
    }


def _text(value: object) -> str:
    """A property as text: nested objects (a shell document's `linux`, `windows`) as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _mapping(value: object) -> dict[str, Any]:
    """A JSON object of the HandshakeRequest (absent: empty), else a ProtocolError."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProtocolError("The agent sent an unreadable HandshakeRequest.")
    return value


def _list(value: object) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProtocolError("The agent sent an unreadable HandshakeRequest.")
    return value


def _json_object(payload: bytes, what: str) -> dict[str, Any]:
    try:
        body = json.loads(payload)
    except ValueError as exc:
        raise ProtocolError(f"The agent sent an unreadable {what}.") from exc
    if not isinstance(body, dict):
        raise ProtocolError(f"The agent sent an unreadable {what}.")
    return body
