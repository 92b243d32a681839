"""The identity service as the GUI and the tunnel manager use it: names, regions, sign-in
status, and a SessionApi per (profile, region) built from fresh credentials.

A profile that signs in with IAM Identity Center is signed in through `SsoSignIn` (the
browser, once per SSO session however many profiles ask; see sso_login.py) when the
facade has one; its role credentials then come from the shared token file.

The (account, role) pairs chosen in Settings (`roles`, sso_role_profiles.py) answer by
their label wherever a profile name is asked: regions, sign-in, status, sessions."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.session

from ssmgui.core.errors import SsmGuiError
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.identity.sso_accounts import AccountRoles
from ssmgui.services.identity.sso_login import SsoSignIn
from ssmgui.services.identity.sso_role_profiles import SsoRoleProfiles
from ssmgui.services.identity.sso_sessions import NotSsoError, SsoSession, find_sso_session
from ssmgui.services.tunnels.session_api import SessionApi, session_api_for

ALIAS_TIME_LIMIT_S = 10.0  # an account alias only labels things: not worth a longer wait


class IdentityFacade:
    """`ssm_endpoint_for(profile, region)` names the SSM endpoint to use (None: botocore's
    choice); a demo world serves each (profile, region) on its own endpoint."""

    def __init__(
        self,
        identity: IdentityService,
        *,
        ssm_endpoint_for: Callable[[str, str], str | None] = lambda _profile, _region: None,
        client_config: Any = None,
        sso: SsoSignIn | None = None,
        roles: SsoRoleProfiles | None = None,
    ) -> None:
        self._identity = identity
        self._sso = sso
        self.roles = roles
        self._ssm_endpoint_for = ssm_endpoint_for
        self._config = client_config
        # (profile, region) → (the profiles it was built from, the API): see api_for
        self._apis: dict[tuple[str, str], tuple[object, SessionApi]] = {}

    def profile_names(self) -> list[str]:
        return sorted(
            name for name, profile in self._identity.profiles().items() if profile.problem is None
        )

    def regions_of(self, profile: str) -> tuple[str, ...]:
        if self._is_role(profile):
            assert self.roles is not None
            return (self.roles.region(profile),)
        found = self._identity.profiles().get(profile)
        return found.chosen_regions if found is not None else ()

    def new_sign_in_round(self) -> None:
        """A refresh starts: a cancelled MFA prompt may be shown again."""
        self._identity.new_sign_in_round()

    async def sign_in(self, profile: str) -> datetime | None:
        self._apis.clear()
        self._identity.new_sign_in_round()
        if (session := self.sso_session_of(profile)) is not None:
            await asyncio.to_thread(self._sso_signed_in, session, profile)
            return self.expires_at(profile)  # a chosen pair's too
        identity = await self._identity.login_async(profile)
        return identity.expires_at

    async def sign_in_each(self, profiles: Sequence[str]) -> None:
        """Each of `profiles`: the SSO ones first, one sign-in per SSO session."""
        self._apis.clear()
        self._identity.new_sign_in_round()
        sso = {name: s for name in profiles if (s := self.sso_session_of(name)) is not None}
        for name, session in sso.items():
            await asyncio.to_thread(self._sso_signed_in, session, name)
        others = [name for name in profiles if name not in sso]
        if others:
            await asyncio.to_thread(self._identity.login_each, others)

    def sso_session_of(self, profile: str) -> SsoSession | None:
        """The IAM Identity Center sign-in `profile` (or a chosen pair) uses, when this
        facade signs in to it (None: not an SSO profile, or no `SsoSignIn` given)."""
        if self._sso is None:
            return None
        if self._is_role(profile):
            assert self.roles is not None
            return self.roles.session_of(profile)
        try:
            return find_sso_session(self.profile_files()[0], profile)
        except NotSsoError:
            return None

    def _sso_signed_in(self, session: SsoSession, profile: str) -> None:
        """A usable token for `session` (cached, refreshed, or one browser sign-in shared
        by every caller waiting for it), then `profile`'s role credentials from it."""
        assert self._sso is not None
        self._sso.token(session, interactive=True)
        if not self._is_role(profile):
            self._identity.credentials(profile)

    def session_for(self, profile: str) -> boto3.Session:
        """A boto3 session for a profile or a chosen pair (may block: see each)."""
        if self._is_role(profile):
            assert self.roles is not None
            return self.roles.session_for(profile)
        return self._identity.session_for(profile)

    def sso_session_names(self) -> list[str]:
        """The config's sso-sessions whose accounts and roles can be picked in Settings."""
        return self.roles.session_names() if self.roles is not None and self._sso else []

    async def sso_accounts(self, session_name: str) -> list[AccountRoles]:
        """Every account of `session_name` with the person's roles in it (one account's
        refusal is its own `problem`), signing in first when needed (the browser)."""
        roles, sso = self.roles, self._sso
        if roles is None or sso is None:
            return []

        def listed() -> list[AccountRoles]:
            sso.token(roles.sso_session(session_name), interactive=True)
            return roles.everything(session_name)

        return await asyncio.to_thread(listed)

    def _is_role(self, name: str) -> bool:
        return self.roles is not None and self.roles.is_role(name)

    def expires_at(self, profile: str) -> datetime | None:
        if self._is_role(profile):
            assert self.roles is not None
            return self.roles.expires_at(profile)
        return self._identity.expires_at(profile)

    def needs_login(self, profile: str) -> bool:
        if self._is_role(profile):
            assert self.roles is not None
            return self.roles.needs_login(profile)
        return self._identity.needs_login(profile)

    async def account_alias(self, profile: str) -> str:
        """The account's alias, "" when it has none, may not be asked, or cannot be asked
        now without a sign-in (this never asks the person) or within ALIAS_TIME_LIMIT_S."""
        try:
            if self._is_role(profile) or self._identity.needs_login(profile):
                return ""  # a pair's label names its account already
            call = asyncio.to_thread(self._identity.account_alias, profile)
            return await asyncio.wait_for(call, ALIAS_TIME_LIMIT_S)
        except (SsmGuiError, TimeoutError):
            return ""

    def forget(self, profile: str) -> None:
        self._apis.clear()  # roles signed in through its MFA session go with it
        if not self._is_role(profile):
            self._identity.forget(profile)

    def profile_files(self) -> tuple[Path, ...]:
        """The config and credentials files botocore reads profiles from, as botocore names
        them (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE honoured, ~ expanded)."""
        core = botocore.session.Session()
        names = ("config_file", "credentials_file")
        return tuple(Path(os.path.expanduser(core.get_config_variable(name))) for name in names)

    async def api_for(self, profile: str, region: str) -> SessionApi:
        """A SessionApi on fresh credentials; may prompt for MFA (on a worker thread), also
        when a prompt was cancelled before: the person asked for this tunnel.

        The API of a (profile, region) is built once and kept while the AWS files are
        unchanged and the profile needs no sign-in: building its botocore client costs
        ~30 ms, a tunnel's whole protocol a few (bench/open.py). Its credentials renew
        themselves (`IdentityService.session_for`); a sign-in or a forget drops every kept
        API."""
        self._identity.new_sign_in_round()
        key = (profile, region)
        kept = self._apis.get(key)
        profiles = self._identity.profiles()
        if kept is not None and kept[0] is profiles and not self.needs_login(profile):
            return kept[1]
        session = await asyncio.to_thread(self.session_for, profile)
        api = session_api_for(
            session,
            profile=profile,
            region=region,
            endpoint_url=self._ssm_endpoint_for(profile, region),
            config=self._config,
        )
        self._apis[key] = (profiles, api)
        return api
