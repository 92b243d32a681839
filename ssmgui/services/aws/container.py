"""Container credentials (ECS task roles, EKS Pod Identity, CodeBuild), as botocore gets them,
with two guards botocore lacks.

botocore's `ContainerProvider` applies to every profile without credentials of its own when
`AWS_CONTAINER_CREDENTIALS_FULL_URI` or `_RELATIVE_URI` is set; it sends
`AWS_CONTAINER_AUTHORIZATION_TOKEN` (or the content of `_TOKEN_FILE`) as the Authorization
header. `CheckedContainerProvider` is that provider, except that:

- the token file is checked to be a regular file of sane size before botocore opens it (a
  FIFO there would block botocore's plain `open()` for good);
- `container_error(exc)` words its failures for a person, naming the variable to fix and
  never quoting the token, the endpoint's answer (which may echo it) or botocore's text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore import exceptions as boto_errors
from botocore.credentials import ContainerProvider

from ssmgui.core.errors import CredentialsError, SsmGuiError
from ssmgui.services.aws.shared_files import check_regular_file

_FULL_URI = ContainerProvider.ENV_VAR_FULL
_RELATIVE_URI = ContainerProvider.ENV_VAR
_TOKEN = ContainerProvider.ENV_VAR_AUTH_TOKEN
_TOKEN_FILE = ContainerProvider.ENV_VAR_AUTH_TOKEN_FILE
#: botocore's ValueErrors about these settings (read to classify, never quoted).
_REFUSALS = ("Unsupported host", "not a legal header value")


class CheckedContainerProvider(ContainerProvider):
    """botocore's container provider, with its token file checked first (module doc)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(environ)
        self._variables = os.environ if environ is None else environ

    def load(self) -> Any:
        if _TOKEN_FILE in self._variables and self._offered():
            path = Path(self._variables[_TOKEN_FILE])  # botocore does not expand it either
            check_regular_file(path, f"It is {_TOKEN_FILE}: point it at the token file.")
        return super().load()

    def _offered(self) -> bool:
        return _FULL_URI in self._variables or _RELATIVE_URI in self._variables


def container_error(exc: Exception, profile: str) -> SsmGuiError | None:
    """The user-facing error for `exc` when the container provider raised it, else None."""
    if not (_FULL_URI in os.environ or _RELATIVE_URI in os.environ):
        return None
    where = _FULL_URI if _FULL_URI in os.environ else _RELATIVE_URI
    if isinstance(exc, boto_errors.CredentialRetrievalError):
        if exc.kwargs.get("provider") != ContainerProvider.METHOD:
            return None
        return CredentialsError(
            f"The container credential endpoint ({where}) gave no credentials for profile "
            f"'{profile}': it refused the request or could not be reached. Check {where} and "
            f"the authorization token ({_TOKEN} or {_TOKEN_FILE}); inside a task, check its "
            "role."
        )
    if isinstance(exc, OSError) and _TOKEN_FILE in os.environ:
        return CredentialsError(
            f"The container authorization token file ({_TOKEN_FILE}) cannot be read "
            f"({type(exc).__name__}). Check that it exists and is readable."
        )
    if isinstance(exc, ValueError) and any(words in str(exc) for words in _REFUSALS):
        return CredentialsError(
            f"botocore refuses the container credential settings for profile '{profile}': "
            f"{where} must be https://, a loopback address or an AWS container host, and the "
            f"token ({_TOKEN} / {_TOKEN_FILE}) a single line."
        )
    return None
