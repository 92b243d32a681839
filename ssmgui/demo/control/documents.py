"""The AWS-managed port-forwarding documents: parameters, defaults, allowedPattern and the
`properties` the agent sends in its HandshakeRequest (docs/protocol.md §1 and §4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PORT_FORWARDING = "AWS-StartPortForwardingSession"
PORT_FORWARDING_REMOTE = "AWS-StartPortForwardingSessionToRemoteHost"
SSH = "AWS-StartSSHSession"
SHELL = "SSM-SessionManagerRunShell"
INTERACTIVE_COMMAND = "AWS-StartInteractiveCommand"

_PORT = re.compile(
    r"^([1-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"
)
_LOCAL_PORT = re.compile(
    r"^([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"
)
# The managed document's host pattern: anything but whitespace and shell metacharacters.
_HOST = re.compile(r"^[^\s;&|`$<>(){}\[\]\\'\"]{1,255}$")


@dataclass(frozen=True)
class _Parameter:
    default: str | None
    pattern: re.Pattern[str]


_DOCUMENTS: dict[str, dict[str, _Parameter]] = {
    PORT_FORWARDING: {
        "portNumber": _Parameter("80", _PORT),
        "localPortNumber": _Parameter("0", _LOCAL_PORT),
    },
    PORT_FORWARDING_REMOTE: {
        "host": _Parameter(None, _HOST),
        "portNumber": _Parameter("80", _PORT),
        "localPortNumber": _Parameter("0", _LOCAL_PORT),
    },
    SSH: {"portNumber": _Parameter("22", _PORT)},
    SHELL: {},
    INTERACTIVE_COMMAND: {"command": _Parameter(None, re.compile(r"\A[\s\S]{1,4096}\Z"))},
}
# The document's sessionType (§14); the others are Port.
_SESSION_TYPES = {SHELL: "Standard_Stream", INTERACTIVE_COMMAND: "InteractiveCommands"}


class UnknownDocumentError(LookupError):
    """No such document (the API answers InvalidDocument)."""


class InvalidParametersError(ValueError):
    """A parameter is unknown, missing or fails its allowedPattern (ValidationException)."""


def is_known(document: str) -> bool:
    return document in _DOCUMENTS


def resolve(document: str, parameters: dict[str, list[str]] | None) -> dict[str, str]:
    """Parameters after defaults and validation, one string each.

    Raises UnknownDocumentError or InvalidParametersError.
    """
    spec = _DOCUMENTS.get(document)
    if spec is None:
        raise UnknownDocumentError(document)
    given = parameters or {}
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise InvalidParametersError(f"Unknown parameters for {document}: {', '.join(unknown)}")
    values: dict[str, str] = {}
    for name, parameter in spec.items():
        raw = given.get(name)
        value = raw[0] if raw else parameter.default
        if value is None:
            raise InvalidParametersError(f"Parameter {name} is required for {document}")
        if not parameter.pattern.match(value):
            raise InvalidParametersError(
                f"Parameter {name} value {value!r} failed to satisfy its allowedPattern"
            )
        values[name] = value
    return values


def session_type(document: str) -> str:
    """Port, Standard_Stream or InteractiveCommands."""
    return _SESSION_TYPES.get(document, "Port")


def properties(document: str, values: dict[str, str]) -> dict[str, str]:
    """The `Properties` of the HandshakeRequest (§4): SSH has no `type`; a shell's are
    its commands (empty: the default shell), which the session sends per platform (§14)."""
    if session_type(document) != "Port":
        return {"commands": values.get("command", "")}
    if document == SSH:
        return {"portNumber": values["portNumber"]}
    result = {
        "portNumber": values["portNumber"],
        "type": "LocalPortForwarding",
        "localPortNumber": values["localPortNumber"],
    }
    if "host" in values:
        result["host"] = values["host"]
    return result
