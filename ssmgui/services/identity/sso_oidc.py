"""The SSO OIDC calls the sign-in flows make, through botocore's `sso-oidc` client.

Each call's refusal is an `OidcRefusalError` carrying the service's exception name (`kind`,
e.g. "AuthorizationPendingException") — never the request, which may hold a secret.
Failures to reach the service become the usual `SsmGuiError`s (`aws.errors.translated`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ssmgui.core.errors import CredentialsError
from ssmgui.services.aws import errors as aws_errors
from ssmgui.services.identity.sso_token_file import Registration, SsoToken

if TYPE_CHECKING:
    from mypy_boto3_sso_oidc import SSOOIDCClient

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CLIENT_NAME = "ssmgui"


class SsoSignInError(CredentialsError):
    """A sign-in that did not complete; the message says why and what to do."""


class OidcRefusalError(Exception):
    """The service said no: `kind` names its exception, `description` its reason."""

    def __init__(self, kind: str, description: str) -> None:
        super().__init__(f"{kind}: {description}")
        self.kind, self.description = kind, description


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


class OidcCalls:
    """The calls for one SSO session's region; `label` names it in messages."""

    def __init__(self, client: SSOOIDCClient, label: str, clock: Callable[[], datetime]) -> None:
        self._client = client
        self._label = label
        self._clock = clock

    @property
    def endpoint_url(self) -> str:
        return str(self._client.meta.endpoint_url)

    def register(
        self, scopes: Sequence[str], *, redirect_uri: str | None = None, issuer_url: str = ""
    ) -> Registration:
        """A new public client; with `redirect_uri`, one for the browser sign-in (the
        authorization_code and refresh_token grants)."""
        extra: dict[str, Any] = {"scopes": list(scopes)} if scopes else {}
        if redirect_uri is not None:
            extra.update(
                grantTypes=["authorization_code", "refresh_token"],
                redirectUris=[redirect_uri],
                issuerUrl=issuer_url,
            )
        answer = self._call(
            "register with IAM Identity Center",
            lambda: self._client.register_client(
                clientName=f"{CLIENT_NAME}-{int(time.time())}", clientType="public", **extra
            ),
        )
        return Registration(
            answer["clientId"],
            answer["clientSecret"],
            datetime.fromtimestamp(answer["clientSecretExpiresAt"], UTC),
        )

    def start_device(self, registration: Registration, start_url: str) -> DeviceAuthorization:
        answer = self._call(
            "start the device sign-in",
            lambda: self._client.start_device_authorization(
                clientId=registration.client_id,
                clientSecret=registration.client_secret,
                startUrl=start_url,
            ),
        )
        return DeviceAuthorization(
            device_code=answer["deviceCode"],
            user_code=answer["userCode"],
            verification_uri=answer["verificationUri"],
            verification_uri_complete=answer["verificationUriComplete"],
            expires_in=answer["expiresIn"],
            interval=answer.get("interval", 5),
        )

    def token(self, registration: Registration, grant_type: str, **grant: str) -> SsoToken:
        """CreateToken for `grant_type` with the grant's own fields (deviceCode; code,
        redirectUri and codeVerifier; refreshToken)."""
        asked_at = self._clock().replace(microsecond=0)  # the file keeps whole seconds
        answer = self._call(
            "get the sign-in token",
            lambda: self._client.create_token(
                clientId=registration.client_id,
                clientSecret=registration.client_secret,
                grantType=grant_type,
                **grant,
            ),
        )
        return SsoToken(
            access_token=answer["accessToken"],
            expires_at=asked_at + timedelta(seconds=answer["expiresIn"]),
            registration=registration,
            refresh_token=answer.get("refreshToken"),
        )

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        with aws_errors.translated(self._label, what):
            try:
                return call()
            except ClientError as exc:
                error = exc.response.get("Error", {})
                raise OidcRefusalError(
                    error.get("Code", "Unknown"), error.get("Message", "")
                ) from None
