"""The (account, role) pairs a person chose in Settings, used as if they were profiles:
a boto3 session per pair whose credentials (`sso:GetRoleCredentials`, kept by
`SsoDirectory` and fetched again before they run out) renew themselves, the pair's region
(its sso-session's), and whether its sign-in is missing or ended.

A pair's name is its `ChosenRole.label` (`corp:demo-sandbox/Dev`); the sso-session it
belongs to is read from the AWS config each time it is needed (the config may change).
No call here opens a browser: signing in is the caller's (the bar's "Sign in…").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import boto3
import botocore.session
from botocore import configloader
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from botocore.exceptions import ConfigNotFound, ConfigParseError

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.sso_roles import ChosenRole, chosen_roles
from ssmgui.services.identity.sso_accounts import AccountRoles, RolePair, SsoDirectory
from ssmgui.services.identity.sso_login import SsoSignIn
from ssmgui.services.identity.sso_sessions import SsoSession, find_sso_session


class SsoRoleProfiles:
    """Chosen pairs by label. `config_file()` names the AWS config to read sessions from."""

    def __init__(
        self,
        sign_in: SsoSignIn,
        directory: SsoDirectory,
        config_file: Callable[[], Path],
        clock: Callable[[], datetime],
    ) -> None:
        self._sign_in = sign_in
        self._directory = directory
        self._config_file = config_file
        self._clock = clock
        self._chosen: dict[str, ChosenRole] = {}
        self._lock = threading.Lock()

    def choose(self, keys: Iterable[str]) -> None:
        """The settings' lines (core/sso_roles.py): from now on, these pairs."""
        with self._lock:
            self._chosen = {role.label: role for role in chosen_roles(keys)}

    def is_role(self, name: str) -> bool:
        with self._lock:
            return name in self._chosen

    def session_names(self) -> list[str]:
        """Every `[sso-session NAME]` in the AWS config (none when it cannot be read)."""
        try:
            raw = configloader.raw_config_parse(str(self._config_file()))
        except (ConfigNotFound, ConfigParseError, OSError):
            return []
        return sorted(configloader.build_profile_map(raw).get("sso_sessions", {}))

    def sso_session(self, name: str) -> SsoSession:
        """The sso-session `name` in the config; ConfigurationError saying what to fix."""
        return find_sso_session(self._config_file(), name)

    def everything(self, session_name: str) -> list[AccountRoles]:
        """Each account of the session with its roles (SsoLoginRequiredError: sign in)."""
        return self._directory.everything(self.sso_session(session_name))

    def session_of(self, label: str) -> SsoSession:
        return self.sso_session(self._role(label).session)

    def region(self, label: str) -> str:
        return self.session_of(label).region

    def needs_login(self, label: str) -> bool:
        expires = self.expires_at(label)
        return expires is None or expires <= self._clock()

    def expires_at(self, label: str) -> datetime | None:
        """When the pair's sign-in ends (None: there is none)."""
        token = self._sign_in.cached(self.session_of(label))
        return token.expires_at if token is not None else None

    def session_for(self, label: str) -> boto3.Session:
        """A boto3 session on the pair's role credentials, renewed before they run out
        (SsoLoginRequiredError once the sign-in has ended)."""
        role = self._role(label)
        session = self.sso_session(role.session)
        pair = RolePair(session, role.account_id, role.role, role.account_name)

        def fetch() -> dict[str, str]:
            kept = self._directory.credentials(pair)
            return {
                "access_key": kept.access_key_id,
                "secret_key": kept.secret_access_key,
                "token": kept.session_token,
                "expiry_time": kept.expiration.isoformat(),
            }

        credentials = RefreshableCredentials.create_from_metadata(fetch(), fetch, "sso-role")
        core = botocore.session.Session()
        core.register_component("credential_provider", CredentialResolver([_Kept(credentials)]))
        return boto3.Session(botocore_session=core, region_name=session.region)

    def _role(self, label: str) -> ChosenRole:
        with self._lock:
            role = self._chosen.get(label)
        if role is None:
            raise ConfigurationError(
                f"'{label}' is not an IAM Identity Center role chosen in Settings any more."
            )
        return role


class _Kept(CredentialProvider):
    """The pair's own refreshable credentials, as botocore's only provider."""

    METHOD = "sso-role"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials
