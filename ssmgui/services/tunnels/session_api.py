"""Session Manager's control plane through boto3: StartSession, ResumeSession,
TerminateSession, SigV4 for the data-channel upgrade, and the route to the data channel
(botocore's proxy and CA bundle for the profile, from services/aws/transport.py).

Every botocore failure becomes an `SsmGuiError` that says what to do (an AccessDenied names
the IAM action), except network failures during ResumeSession, which stay `ConnectionError`
so the data channel retries them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore import exceptions as boto_errors
from botocore.credentials import ReadOnlyCredentials

from ssmgui.core.errors import CredentialsError, SessionStartError, SsmGuiError
from ssmgui.core.tunnel import SessionRequest
from ssmgui.services.aws.errors import client_error
from ssmgui.services.aws.transport import route_for
from ssmgui.ssm.channel import StreamEndpoint
from ssmgui.ssm.dial import DialError, Route, authentication_message
from ssmgui.ssm.signing import upgrade_headers

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

log = logging.getLogger(__name__)

_CREDENTIAL_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "RequestExpired",
    "InvalidSignatureException",
}
_NETWORK_ERRORS = (
    boto_errors.EndpointConnectionError,
    boto_errors.ConnectTimeoutError,
    boto_errors.ReadTimeoutError,
    boto_errors.ConnectionClosedError,
)

CredentialsSource = Callable[[], ReadOnlyCredentials]
#: How to reach a URL (a StreamUrl) with the profile's settings; may block (a thread runs it).
RouteSource = Callable[[str], Route]


class SessionApi:
    """`ssmgui.ssm.channel.SessionControl` plus StartSession, for one profile and region."""

    def __init__(
        self,
        client: SSMClient,
        credentials: CredentialsSource,
        region: str,
        profile: str = "default",
        *,
        routes: RouteSource,
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._region = region
        self._profile = profile
        self._routes = routes

    @property
    def region(self) -> str:
        return self._region

    @property
    def profile(self) -> str:
        return self._profile

    @property
    def endpoint_url(self) -> str:
        """The SSM endpoint the client talks to (the plugin needs it for ResumeSession)."""
        return str(self._client.meta.endpoint_url)

    async def frozen_credentials(self) -> ReadOnlyCredentials:
        """Current credentials, e.g. for a child process's environment (never its argv)."""
        return await asyncio.to_thread(self._credentials)

    async def start(self, request: SessionRequest) -> StreamEndpoint:
        call = request.to_api()
        answer = await self._call("StartSession", self._client.start_session, call, request)
        return _endpoint(answer)

    async def resume(self, session_id: str) -> StreamEndpoint:
        try:
            answer = await self._call(
                "ResumeSession", self._client.resume_session, {"SessionId": session_id}
            )
        except _NetworkError as exc:
            raise ConnectionError(str(exc)) from None
        return _endpoint(answer)

    async def terminate(self, session_id: str) -> None:
        await self._call(
            "TerminateSession", self._client.terminate_session, {"SessionId": session_id}
        )

    async def sign(self, url: str) -> Mapping[str, str]:
        credentials = await asyncio.to_thread(self._credentials)
        return upgrade_headers(url, credentials, self._region)

    async def route(self, url: str) -> Route:
        """The proxy and CA bundle botocore would use for `url` with this profile, worked
        out in a thread (botocore may read files and system settings), where the bundle is
        also loaded once so the event loop never does it."""
        return await asyncio.to_thread(self._route_now, url)

    def _route_now(self, url: str) -> Route:
        route = self._routes(url)
        with contextlib.suppress(DialError):  # the dial reports it, as the link's failure
            route.ssl_context()
        return route

    async def _call(
        self,
        operation: str,
        method: Callable[..., Any],
        kwargs: Mapping[str, Any],
        request: SessionRequest | None = None,
    ) -> Mapping[str, Any]:
        try:
            answer: Mapping[str, Any] = await asyncio.to_thread(lambda: method(**kwargs))
        except boto_errors.ClientError as exc:
            raise self._refusal(operation, exc, request) from None
        except boto_errors.ProxyConnectionError as exc:
            raise _NetworkError(_proxy_failure(self._region, exc)) from None
        except boto_errors.SSLError as exc:
            raise _NetworkError(_tls_failure(self._region, exc)) from None
        except _NETWORK_ERRORS as exc:
            raise _NetworkError(
                f"Cannot reach Session Manager in {self._region} ({type(exc).__name__}). "
                "Check your network, VPN or HTTPS_PROXY."
            ) from None
        except boto_errors.NoCredentialsError:
            raise CredentialsError(
                f"No AWS credentials for profile '{self._profile}'. Run: ssmgui login "
                f"{self._profile}"
            ) from None
        return answer

    def _refusal(
        self, operation: str, exc: boto_errors.ClientError, request: SessionRequest | None
    ) -> SsmGuiError:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", ""))
        log.info("%s refused: %s", operation, code)
        if code in _CREDENTIAL_CODES:
            return client_error(self._profile, f"call {operation}", exc)
        if code == "TargetNotConnected":
            target = request.target if request else "the instance"
            return SessionStartError(
                f"{target} is not connected to Session Manager: it is stopped, offline, or its "
                "SSM agent cannot reach AWS. Check the instance's state and its agent."
            )
        if code in ("AccessDeniedException", "AccessDenied"):
            return SessionStartError(access_denied_message(operation, request))
        if code == "DoesNotExistException":
            return SessionStartError(
                f"Session Manager no longer knows this session ({operation}): it was "
                "terminated or timed out. Start a new one."
            )
        if code == "InvalidDocument":
            return SessionStartError(
                f"Session Manager has no document {request.document if request else ''} "
                "in this region, or you may not use it."
            )
        return SessionStartError(f"Session Manager refused {operation}: {code}: {message}")


class _NetworkError(SessionStartError):
    """The endpoint could not be reached (retryable for ResumeSession)."""


def _proxy_failure(region: str, exc: boto_errors.ProxyConnectionError) -> str:
    """The proxy botocore went through refused or failed; 407 asks for credentials.
    (botocore masks the proxy URL's credentials; we name only its host and port.)"""
    route = Route(proxy_url=str(exc.kwargs.get("proxy_url") or "http://proxy"))
    if " 407 " in f" {exc.kwargs.get('error')} ":  # urllib3's "Tunnel connection failed: 407 …"
        return f"Cannot reach Session Manager in {region}: {authentication_message(route)}."
    return (
        f"Cannot reach Session Manager in {region} through the proxy {route.proxy_label}. "
        "Check that the proxy in HTTPS_PROXY (or the system's proxy settings) is running "
        "and allows CONNECT to AWS."
    )


def _tls_failure(region: str, exc: boto_errors.SSLError) -> str:
    host = urlsplit(str(exc.kwargs.get("endpoint_url") or "")).hostname or "the endpoint"
    if "CERTIFICATE_VERIFY_FAILED" in str(exc.kwargs.get("error")):
        return (
            f"Cannot reach Session Manager in {region}: the TLS certificate of {host} could "
            "not be verified. If a proxy or firewall inspects TLS, set AWS_CA_BUNDLE (or "
            "ca_bundle in the AWS profile) to the file of its CA certificate."
        )
    return f"Cannot reach Session Manager in {region}: TLS with {host} failed."


def access_denied_message(operation: str, request: SessionRequest | None) -> str:
    action = f"ssm:{operation}"
    policy_hint = " `ssmgui doctor` prints a minimal policy for all of ssmgui."
    if operation == "StartSession" and request is not None:
        return (
            f"Your IAM identity may not call {action} on {request.target} with document "
            f"{request.document}. Ask for a policy allowing {action} on "
            f"arn:aws:ec2:*:*:instance/{request.target} and "
            f"arn:aws:ssm:*::document/{request.document}." + policy_hint
        )
    return (
        f"Your IAM identity may not call {action} on its own sessions. Ask for a policy "
        f"allowing {action} on arn:aws:ssm:*:*:session/${{aws:userid}}-*." + policy_hint
    )


def _endpoint(answer: Mapping[str, Any]) -> StreamEndpoint:
    return StreamEndpoint(
        session_id=str(answer.get("SessionId") or ""),
        token_value=str(answer.get("TokenValue") or ""),
        stream_url=str(answer.get("StreamUrl") or ""),
    )


def session_api_for(
    session: Any,
    *,
    profile: str = "default",
    region: str | None = None,
    endpoint_url: str | None = None,
    config: Any = None,
) -> SessionApi:
    """A SessionApi for a boto3 Session: its credentials, and `region` or its own."""
    region = region or session.region_name
    if not region:
        raise CredentialsError(
            f"Profile '{profile}' names no region. Add `region = …` to it in ~/.aws/config "
            "or pass --region."
        )
    client = session.client("ssm", region_name=region, endpoint_url=endpoint_url, config=config)

    def credentials() -> ReadOnlyCredentials:
        current = session.get_credentials()
        if current is None:
            raise CredentialsError(
                f"No AWS credentials for profile '{profile}'. Run: ssmgui login {profile}"
            )
        frozen: ReadOnlyCredentials = current.get_frozen_credentials()
        return frozen

    return SessionApi(
        client, credentials, region, profile, routes=lambda url: route_for(session, url, config)
    )
