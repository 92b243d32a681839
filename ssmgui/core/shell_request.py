"""What `ssmgui shell` asks Session Manager for (docs/protocol.md §1, §14).

Pure data: the document (the account's default shell document, AWS-StartInteractiveCommand
for a command, or any Standard_Stream document the user names) and its parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.tunnel import SessionRequest, validate_reason, validate_target

SHELL_DOCUMENT = "SSM-SessionManagerRunShell"
INTERACTIVE_COMMAND_DOCUMENT = "AWS-StartInteractiveCommand"
# SSM document names (or ARNs of shared documents), as the API's pattern allows them.
_DOCUMENT_NAME = re.compile(r"[a-zA-Z0-9_\-.:/]{3,128}")
_PARAMETER_NAME = re.compile(r"[a-zA-Z0-9_.\-]{1,128}")


def parse_parameter(text: str) -> tuple[str, str]:
    """A `--parameter NAME=VALUE` as (name, value); the value may hold "=" and be empty.
    Raises ConfigurationError saying the expected form."""
    name, equals, value = text.partition("=")
    if not equals or not _PARAMETER_NAME.fullmatch(name):
        raise ConfigurationError(
            f"--parameter {text!r} is not NAME=VALUE (a document parameter's name, then =)."
        )
    return name, value


def shell_session_request(
    target: str,
    *,
    document: str | None = None,
    command: str | None = None,
    parameters: Iterable[tuple[str, str]] = (),
    reason: str | None = None,
) -> SessionRequest:
    """The StartSession call for a shell: `document` (default: the account's shell
    document, or AWS-StartInteractiveCommand when there is a `command`); `command` is that
    document's `command` parameter; a name given several times gets every value, in order."""
    name = document or (INTERACTIVE_COMMAND_DOCUMENT if command is not None else SHELL_DOCUMENT)
    if not _DOCUMENT_NAME.fullmatch(name):
        raise ConfigurationError(f"{name!r} is not an SSM document name.")
    values: dict[str, list[str]] = {}
    if command is not None:
        if not command.strip():
            raise ConfigurationError("--command is empty: give the command to run.")
        values["command"] = [command]
    for key, value in parameters:
        values.setdefault(key, []).append(value)
    return SessionRequest(validate_target(target), name, values, validate_reason(reason))
