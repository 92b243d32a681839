"""boto3 sessions and clients for the identity service, built in one place.

Tests and the demo pass an `endpoint_url` (a moto server on loopback) and a botocore
`Config` (e.g. one attempt only); production uses neither. Clients are made per call so each
worker thread has its own (boto3 clients are not shared across threads here).

Every session made here resolves credentials the way botocore does, with three differences
a caller may rely on: a profile's `credential_process` runs under a time limit with its
failures named (`credential_process.py`); container credentials are fetched with their
token file checked and their failures named (`container.py`); and any failure to load
credentials or to make a client from the profile's settings is an `SsmGuiError` naming
the profile and the file or variable to fix (`errors.py`), never a botocore or OS
exception.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import boto3
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.credentials import (
    ContainerProvider,
    CredentialResolver,
    Credentials,
    ProcessProvider,
)

from ssmgui.core.credentials import TemporaryCredentials
from ssmgui.core.errors import SsmGuiError
from ssmgui.services.aws import errors as aws_errors
from ssmgui.services.aws.container import CheckedContainerProvider, container_error
from ssmgui.services.aws.credential_process import TIME_LIMIT_S, CredentialProcessProvider
from ssmgui.services.aws.models import model_session, share_models
from ssmgui.services.aws.shared_files import check_regular_file

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_sso import SSOClient
    from mypy_boto3_sso_oidc import SSOOIDCClient
    from mypy_boto3_sts import STSClient

#: STS and IAM need a region to sign with; this one is used when the profile names none.
FALLBACK_REGION = "us-east-1"


class AwsClients:
    """Makes boto3 sessions for profiles and the STS / IAM / SSO clients identity needs.

    `process_time_limit` is how long a profile's credential_process may take;
    `sso_endpoint_url` is where the SSO portal and OIDC clients go (default `endpoint_url`).
    """

    def __init__(
        self,
        config: Config | None = None,
        endpoint_url: str | None = None,
        *,
        process_time_limit: float = TIME_LIMIT_S,
        sso_endpoint_url: str | None = None,
    ) -> None:
        self._config = config
        self._endpoint_url = endpoint_url
        # IAM Identity Center is one service beside STS: a demo serves it elsewhere.
        self._sso_endpoint_url = sso_endpoint_url or endpoint_url
        self._process_time_limit = process_time_limit

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint every client goes to, or None for AWS's own."""
        return self._endpoint_url

    def core_session(self, profile_name: str | None) -> botocore.session.Session:
        """botocore's own session for `profile_name` (None: the environment's credentials),
        with the credential chain described in the module docstring.

        Raises `SsmGuiError` for a profile botocore does not know or settings it refuses.
        """
        core = botocore.session.Session(profile=profile_name)
        label = profile_name or core.get_config_variable("profile") or "default"
        with aws_errors.settings_translated(core, label):
            share_models(core)
            resolver = core.get_component("credential_provider")
        where = aws_errors.config_file(core)
        checked = _CheckedResolver(resolver.providers, core, label, where, profile_name is None)
        for index, provider in enumerate(checked.providers):
            if isinstance(provider, ProcessProvider):
                checked.providers[index] = CredentialProcessProvider(
                    label, lambda: _profile_settings(core, label), where, self._process_time_limit
                )
            elif isinstance(provider, ContainerProvider):
                checked.providers[index] = CheckedContainerProvider()
        core.register_component("credential_provider", checked)
        return core

    def profile_session(self, profile_name: str | None, region: str | None) -> boto3.Session:
        """A boto3 session on `core_session(profile_name)`."""
        return checked_session(self.core_session(profile_name), region)

    def sts(self, session: boto3.Session) -> STSClient:
        client: STSClient = self._client(session, "sts")
        return client

    def iam(self, session: boto3.Session) -> IAMClient:
        client: IAMClient = self._client(session, "iam")
        return client

    def sts_with(
        self,
        core: botocore.session.Session,
        region: str | None,
        credentials: TemporaryCredentials | None,
    ) -> STSClient:
        """An STS client from `core` (its models already loaded: each further client costs
        about 2 ms, a fresh session's first about 100 ms) signing with `credentials`, or
        with the session's own credentials when None."""
        keys: dict[str, str] = {}
        if credentials is not None:
            keys = {
                "aws_access_key_id": credentials.access_key_id,
                "aws_secret_access_key": credentials.secret_access_key,
                "aws_session_token": credentials.session_token,
            }
        with aws_errors.settings_translated(core, _label(core)):
            client = core.create_client(
                "sts",
                region_name=region or FALLBACK_REGION,
                config=self._config,
                endpoint_url=self._endpoint_url,
                **keys,  # type: ignore[arg-type]
            )
        return cast("STSClient", client)

    def sso(self, region: str) -> SSOClient:
        """An SSO portal client; its calls are authorised by the SSO token, not credentials."""
        core = model_session()
        config = (self._config or Config()).merge(Config(signature_version=UNSIGNED))
        with aws_errors.settings_translated(core, _label(core)):
            client = core.create_client(
                "sso", region_name=region, config=config, endpoint_url=self._sso_endpoint_url
            )
        return cast("SSOClient", client)

    def sso_oidc(self, region: str) -> SSOOIDCClient:
        """An SSO OIDC client (sign-in and token refresh); unsigned, like the portal's."""
        core = model_session()
        config = (self._config or Config()).merge(Config(signature_version=UNSIGNED))
        with aws_errors.settings_translated(core, _label(core)):
            client = core.create_client(
                "sso-oidc", region_name=region, config=config, endpoint_url=self._sso_endpoint_url
            )
        return cast("SSOOIDCClient", client)

    def _client(self, session: boto3.Session, service: str) -> Any:
        core = session._session  # boto3's own botocore session: its settings
        with aws_errors.settings_translated(core, _label(core)):
            return session.client(  # type: ignore[call-overload]
                service, config=self._config, endpoint_url=self._endpoint_url
            )


def checked_session(core: botocore.session.Session, region: str | None) -> boto3.Session:
    """A boto3 session on `core` whose `client()` names a setting botocore refuses (in a
    `ConfigurationError`) instead of raising botocore's or a ValueError: every client made
    from it, here or by a caller (the inventory, the tunnels), is covered."""
    return _CheckedSession(botocore_session=core, region_name=region or FALLBACK_REGION)


class _CheckedSession(boto3.Session):
    def client(self, *args: Any, **kwargs: Any) -> Any:
        with client_settings_translated(self):
            return super().client(*args, **kwargs)


@contextlib.contextmanager
def client_settings_translated(session: boto3.Session) -> Iterator[None]:
    """Run the block, which makes clients from `session`; a setting botocore refuses
    becomes a `ConfigurationError` naming the profile and the setting."""
    core = session._session  # boto3's own botocore session: its settings
    with aws_errors.settings_translated(core, _label(core)):
        yield


class _CheckedResolver(CredentialResolver):
    """botocore's credential chain, whose failures are `SsmGuiError`s naming the profile."""

    def __init__(
        self,
        providers: list[Any],
        core: botocore.session.Session,
        profile: str,
        where: str,
        environment_applies: bool,
    ) -> None:
        super().__init__(providers)
        self._core = core
        self._profile = profile
        self._where = where
        self._environment_applies = environment_applies

    def load_credentials(self) -> Credentials | None:
        """botocore's credentials, fetched now: a role's (deferred by botocore until first
        use) too, so that its failures are translated here."""
        try:
            self._check_token_file()
            credentials = super().load_credentials()
            if credentials is not None:
                credentials.get_frozen_credentials()
            return credentials
        except SsmGuiError:
            raise
        except Exception as exc:  # botocore's, the OS's or a parser's: all mean "fix this"
            settings = _profile_settings(self._core, self._profile)
            raise container_error(exc, self._profile) or aws_errors.credential_error(
                exc, self._profile, self._where, settings
            ) from None

    def _check_token_file(self) -> None:
        """botocore reads a web identity token file with a plain open(): a FIFO there would
        block it for good, so what the path names is checked first."""
        settings = _profile_settings(self._core, self._profile)
        path = settings.get("web_identity_token_file") if settings.get("role_arn") else None
        source = f"web_identity_token_file of profile '{self._profile}' in {self._where}"
        if not path and self._environment_applies and os.environ.get("AWS_ROLE_ARN"):
            path, source = (
                os.environ.get("AWS_WEB_IDENTITY_TOKEN_FILE"),
                "AWS_WEB_IDENTITY_TOKEN_FILE",
            )
        if isinstance(path, str) and path:
            advice = f"It is the {source}: point it at the token file."
            check_regular_file(Path(os.path.expanduser(path)), advice)


def _profile_settings(core: botocore.session.Session, profile: str) -> Mapping[str, object]:
    """The profile's settings as botocore has them ({} if it cannot say)."""
    try:
        profiles = core.full_config.get("profiles", {})
    except Exception:  # only used to word a message or find a setting
        return {}
    found = profiles.get(profile, {}) if isinstance(profiles, dict) else {}
    return found if isinstance(found, dict) else {}


def _label(core: botocore.session.Session) -> str:
    try:
        return str(core.get_config_variable("profile") or "default")
    except Exception:  # a name for a message only
        return "default"


def environment_profile_name() -> str:
    """The profile botocore uses when none is named: AWS_DEFAULT_PROFILE, then AWS_PROFILE
    (botocore's order), else "default"."""
    named = botocore.session.Session().get_config_variable("profile")
    return str(named) if named else "default"
