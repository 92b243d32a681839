"""IAM Identity Center (SSO) credentials from botocore's token cache (~/.aws/sso/cache).

`aws sso login` (the AWS CLI) writes the token there; ssmgui has no device login of its
own and only reads it. An
`sso_session` token close to expiry is refreshed through botocore's own SSOTokenProvider; a
missing or expired token is an `SsoLoginRequiredError` that says what to run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import botocore.session
from botocore import exceptions as boto_errors
from botocore.tokens import SSOTokenProvider
from botocore.utils import JSONFileCache, SSOTokenLoader

from ssmgui.core.credentials import TemporaryCredentials
from ssmgui.core.errors import ConfigurationError
from ssmgui.core.profile import Profile, SsoSettings
from ssmgui.services.aws import errors as aws_errors
from ssmgui.services.aws.clients import AwsClients

#: botocore refreshes an sso_session token this close to expiry; we ask it to then too.
REFRESH_WINDOW = timedelta(minutes=15)


def sso_cache_dir(home: Path) -> Path:
    """Where the AWS CLI keeps SSO tokens for a user whose home is `home`."""
    return home / ".aws" / "sso" / "cache"


class SsoCredentials:
    """Role credentials for SSO profiles, from the cached SSO token."""

    def __init__(self, clients: AwsClients, cache_dir: Path, clock: Callable[[], datetime]) -> None:
        self._clients = clients
        self._cache = JSONFileCache(str(cache_dir))
        self._clock = clock

    def token_expires_at(self, profile: Profile) -> datetime | None:
        """When the cached SSO token runs out (None: no token cached)."""
        settings = _settings(profile)
        try:
            token = SSOTokenLoader(self._cache)(settings.start_url, settings.session_name)
        except boto_errors.SSOTokenLoadError:
            return None
        return _parse_time(str(token["expiresAt"]))

    def credentials(self, profile: Profile) -> TemporaryCredentials:
        """Fresh role credentials for `profile`; SsoLoginRequiredError without a valid token."""
        settings = _settings(profile)
        if not settings.account_id or not settings.role_name:
            raise ConfigurationError(
                f"SSO profile '{profile.name}' needs sso_account_id and sso_role_name. "
                f"Run: aws configure sso --profile {profile.name}"
            )
        token = self._access_token(profile, settings)
        client = self._clients.sso(settings.sso_region)
        with aws_errors.translated(profile.name, "get SSO role credentials"):
            try:
                role = client.get_role_credentials(
                    roleName=settings.role_name,
                    accountId=settings.account_id,
                    accessToken=token,
                )["roleCredentials"]
            except client.exceptions.UnauthorizedException:
                raise aws_errors.sso_login_required(profile.name) from None
        return TemporaryCredentials(
            access_key_id=role["accessKeyId"],
            secret_access_key=role["secretAccessKey"],
            session_token=role["sessionToken"],
            expiration=datetime.fromtimestamp(role["expiration"] / 1000, UTC),
        )

    def _access_token(self, profile: Profile, settings: SsoSettings) -> str:
        expires_at = self.token_expires_at(profile)
        if expires_at is None:
            raise aws_errors.sso_login_required(profile.name)
        if expires_at - self._clock() > REFRESH_WINDOW:
            token = SSOTokenLoader(self._cache)(settings.start_url, settings.session_name)
            return str(token["accessToken"])
        if settings.session_name is None:  # legacy layout: no refresh token to use
            if expires_at > self._clock():
                token = SSOTokenLoader(self._cache)(settings.start_url, None)
                return str(token["accessToken"])
            raise aws_errors.sso_login_required(profile.name)
        return self._refreshed_token(profile)

    def _refreshed_token(self, profile: Profile) -> str:
        """botocore's refresh of an sso_session token (uses its refresh token)."""
        session = botocore.session.Session(profile=profile.name)
        provider = SSOTokenProvider(session, cache=self._cache, profile_name=profile.name)
        try:
            token = provider.load_token()
            frozen = token.get_frozen_token() if token is not None else None
        except (boto_errors.SSOTokenLoadError, boto_errors.TokenRetrievalError):
            raise aws_errors.sso_login_required(profile.name) from None
        if frozen is None:
            raise aws_errors.sso_login_required(profile.name)
        return str(frozen.token)


def _settings(profile: Profile) -> SsoSettings:
    if profile.sso is None:
        raise ConfigurationError(f"Profile '{profile.name}' is not an SSO profile.")
    return profile.sso


def _parse_time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
