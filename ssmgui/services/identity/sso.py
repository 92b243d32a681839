"""IAM Identity Center (SSO) credentials from botocore's token cache (~/.aws/sso/cache).

`aws sso login` (the AWS CLI) writes the token there; ssmgui has no device login of its
own and only reads it. An `sso_session` token close to expiry is refreshed through
botocore's own SSOTokenProvider; a missing, expired or damaged token is an
`SsoLoginRequiredError` that says what to run (`aws sso login` writes a new file). A token
file is read only when it is a regular file of at most `MAX_TOKEN_BYTES` holding a JSON
object with a text `accessToken` and an `expiresAt` time; the message names a file that is
not, never quoting it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from botocore import exceptions as boto_errors
from botocore.tokens import SSOTokenProvider
from botocore.utils import JSONFileCache, SSOTokenLoader, parse_timestamp

from ssmgui.core.credentials import TemporaryCredentials
from ssmgui.core.errors import AwsFileError, ConfigurationError
from ssmgui.core.profile import Profile, SsoSettings
from ssmgui.services.aws import errors as aws_errors
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.aws.models import model_session
from ssmgui.services.aws.shared_files import read_regular_file

#: botocore refreshes an sso_session token this close to expiry; we ask it to then too.
REFRESH_WINDOW = timedelta(minutes=15)
#: A token file is under 10 KiB; anything much larger is not one.
MAX_TOKEN_BYTES = 1024 * 1024


def sso_cache_dir(home: Path) -> Path:
    """Where the AWS CLI keeps SSO tokens for a user whose home is `home`."""
    return home / ".aws" / "sso" / "cache"


class SsoCredentials:
    """Role credentials for SSO profiles, from the cached SSO token."""

    def __init__(self, clients: AwsClients, cache_dir: Path, clock: Callable[[], datetime]) -> None:
        self._clients = clients
        self._cache = _TokenCache(cache_dir)
        self._clock = clock

    def token_expires_at(self, profile: Profile) -> datetime | None:
        """When the cached SSO token runs out (None: no usable token cached)."""
        try:
            return self._expiry(profile)
        except (boto_errors.SSOTokenLoadError, DamagedTokenError):
            return None

    def _expiry(self, profile: Profile) -> datetime:
        """The cached token's expiry; raises SSOTokenLoadError or DamagedTokenError."""
        settings = _settings(profile)
        token = SSOTokenLoader(self._cache)(settings.start_url, settings.session_name)
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
        try:
            expires_at = self._expiry(profile)
        except boto_errors.SSOTokenLoadError:
            raise aws_errors.sso_login_required(profile.name) from None
        except DamagedTokenError as exc:
            raise aws_errors.sso_login_required(profile.name, exc.why) from None
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
        session = model_session(profile.name)
        provider = SSOTokenProvider(session, cache=self._cache, profile_name=profile.name)
        with aws_errors.translated(profile.name, "refresh the SSO sign-in"):
            try:
                token = provider.load_token()
                frozen = token.get_frozen_token() if token is not None else None
            except (boto_errors.SSOTokenLoadError, boto_errors.TokenRetrievalError):
                raise aws_errors.sso_login_required(profile.name) from None
            except DamagedTokenError as exc:
                raise aws_errors.sso_login_required(profile.name, exc.why) from None
        if frozen is None:
            raise aws_errors.sso_login_required(profile.name)
        return str(frozen.token)


def _settings(profile: Profile) -> SsoSettings:
    if profile.sso is None:
        raise ConfigurationError(f"Profile '{profile.name}' is not an SSO profile.")
    return profile.sso


def _parse_time(text: str) -> datetime:
    """An `expiresAt` in any form botocore and the AWS CLI write (botocore writes
    "…T15:04:13UTC" when it refreshes a token), read by botocore's own parser. Raises
    ValueError for text that is not a time."""
    parsed = parse_timestamp(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class DamagedTokenError(Exception):
    """A token file that is there but cannot be used; `why` says which file and how."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class _TokenCache(JSONFileCache):
    """botocore's JSONFileCache (the AWS CLI's layout: `<key>.json`), reading a file only
    when it is a regular, small JSON object with a usable token; botocore writes through it
    when it refreshes a token."""

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory))
        self._directory = directory

    def __contains__(self, cache_key: object) -> bool:
        # Whatever is there counts (botocore skips what is not a file): a FIFO, a folder or
        # a broken link in its place is reported instead of being taken for "signed out".
        return isinstance(cache_key, str) and os.path.lexists(self._path(cache_key))

    def __getitem__(self, cache_key: str) -> Mapping[str, object]:
        path = self._path(cache_key)
        try:
            data = read_regular_file(path, "", limit=MAX_TOKEN_BYTES)
        except AwsFileError as exc:
            why = exc.user_message.rstrip(". ")
            raise DamagedTokenError(f"cannot be used: its token file {why}") from None
        if data is None:
            raise DamagedTokenError(_damage(path, "is a link to a file that does not exist"))
        return _checked_token(path, data)

    def _path(self, cache_key: str) -> Path:
        return self._directory / f"{cache_key}.json"


def _checked_token(path: Path, data: bytes) -> Mapping[str, object]:
    try:
        token = json.loads(data.decode("utf-8"))
    except ValueError:
        raise DamagedTokenError(_damage(path, "is not JSON")) from None
    if not isinstance(token, dict):
        raise DamagedTokenError(_damage(path, "is not a JSON object"))
    access, expires = token.get("accessToken"), token.get("expiresAt")
    if not isinstance(access, str) or not isinstance(expires, str):
        raise DamagedTokenError(_damage(path, "has no accessToken or expiresAt"))
    try:
        _parse_time(expires)
    except ValueError:
        raise DamagedTokenError(_damage(path, "has an expiresAt that is not a time")) from None
    return token


def _damage(path: Path, problem: str) -> str:
    return f"cannot be used: its token file {path} {problem}"
