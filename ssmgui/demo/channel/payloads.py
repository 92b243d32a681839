"""The agent's and service's JSON control payloads (docs/protocol.md §3, §4)."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Mapping, Sequence

from ssmgui.ssm.message import MessageType, control_message, encode


def handshake_request(
    agent_version: str,
    properties: Mapping[str, object],
    session_type: str = "Port",
    more_actions: Sequence[Mapping[str, object]] = (),
) -> bytes:
    """PT5 HandshakeRequest: one SessionType action carrying the document properties, then
    `more_actions` (KMSEncryption, §14)."""
    request = {
        "AgentVersion": agent_version,
        "RequestedClientActions": [
            {
                "ActionType": "SessionType",
                "ActionParameters": {"SessionType": session_type, "Properties": properties},
            },
            *more_actions,
        ],
    }
    return json.dumps(request).encode()


def shell_properties(commands: str) -> dict[str, object]:
    """A shell document's properties as the agent sends them: one block per platform
    (§14); `commands` is empty for the default shell."""
    block = {"commands": commands, "runAsElevated": False}
    return {"linux": block, "macos": block, "windows": block}


def handshake_complete(elapsed_ns: int, customer_message: str = "") -> bytes:
    """PT7 HandshakeComplete; the plugin prints a non-empty CustomerMessage."""
    body = {"HandshakeTimeToComplete": elapsed_ns, "CustomerMessage": customer_message}
    return json.dumps(body).encode()


def channel_closed_frame(session_id: str, output: str) -> bytes:
    """A service `channel_closed` frame (seq 0, flags 3, PayloadType 0) with `output`."""
    created = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
    return encode(
        control_message(
            MessageType.CHANNEL_CLOSED,
            {
                "MessageId": str(uuid.uuid4()),
                "CreatedDate": created.replace("+00:00", "Z"),
                "DestinationId": session_id,
                "SessionId": session_id,
                "MessageType": "channel_closed",
                "SchemaVersion": 1,
                "Output": output,
            },
        )
    )
