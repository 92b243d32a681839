"""Which credentials each profile uses, and whether they are still good.

`IdentityService` is the one door the tunnel and GUI layers use: `session_for(profile)`
returns a boto3 session whose credentials renew themselves (prompting through the injected
MFA prompt only when the MFA session has run out), `expires_at(profile)` says when the person
will be needed again, `login` / `whoami` / `forget` back the CLI and the tray.

Blocking methods make AWS calls and may prompt: from asyncio call the `*_async` twins, which
run them in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.credentials import CredentialProvider, RefreshableCredentials

from ssmgui.core.credentials import CallerIdentity, IdentitySettings, TemporaryCredentials
from ssmgui.core.errors import ConfigurationError, CredentialsError
from ssmgui.core.profile import (
    ENVIRONMENT_PROFILE,
    Profile,
    ProfileKind,
    mfa_serial_for,
    role_chain,
)
from ssmgui.services.aws import errors as aws_errors
from ssmgui.services.aws.clients import AwsClients, checked_session
from ssmgui.services.aws.login_sessions import require_login_support
from ssmgui.services.identity.account_alias import account_alias
from ssmgui.services.identity.mfa_sessions import MfaPrompt, MfaSessions
from ssmgui.services.identity.roles import RoleCredentials
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.sso import SsoCredentials

ProfileLoader = Callable[[], Mapping[str, Profile]]

#: Our provider asks for new credentials this close to expiry; it decides itself whether a
#: renewal is due (roles renew 15 min ahead), so botocore's windows are kept short.
_ADVISORY_REFRESH = 120
_MANDATORY_REFRESH = 60
#: Longest source_profile chain followed (target and root included). Real chains have 2-4
#: profiles; botocore itself fails at about 150 (RecursionError).
MAX_ROLE_CHAIN = 64
_NO_PROMPT_KINDS = (
    ProfileKind.STATIC,
    ProfileKind.CREDENTIAL_PROCESS,
    ProfileKind.ENVIRONMENT,
    ProfileKind.CONTAINER,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class IdentityService:
    """Credentials per profile: MFA sessions in the keyring, roles, SSO. See module doc."""

    def __init__(
        self,
        *,
        load_profiles: ProfileLoader,
        store: SecretStore,
        clients: AwsClients,
        prompt: MfaPrompt,
        sso_cache_dir: Path,
        clock: Callable[[], datetime] = utc_now,
        settings: IdentitySettings | None = None,
    ) -> None:
        self._load_profiles = load_profiles
        self._store = store
        self._clients = clients
        self._clock = clock
        self.settings = settings or IdentitySettings()
        self._mfa = MfaSessions(store, clients, prompt, clock, self.settings)
        self._roles = RoleCredentials(clients, clock)
        self._sso = SsoCredentials(clients, sso_cache_dir, clock)

    def apply_settings(self, settings: IdentitySettings) -> None:
        """Changed in the settings: the next MFA session asks for the new length, and the
        next expiry check warns at the new time."""
        self.settings = settings
        self._mfa.apply_settings(settings)

    def profiles(self) -> Mapping[str, Profile]:
        """Every profile, as the files say now (the loader notices when they change)."""
        return self._load_profiles()

    def credentials(self, name: str, force_mfa: bool = False) -> TemporaryCredentials | None:
        """Current temporary credentials for `name`, or None when botocore's own apply.

        None means the profile uses long-lived keys, credential_process or a
        credential_source role without MFA: botocore resolves and renews those itself.
        `force_mfa` starts a new MFA session even if one is stored (and finds the MFA device
        of a plain static-keys profile through IAM).
        """
        chain = self._chain(name)
        root, roles = chain[-1], tuple(reversed(chain[:-1]))
        if root.kind is ProfileKind.ASSUME_ROLE:  # credential_source: botocore's business
            return None
        base = self._base_credentials(root, mfa_serial_for(chain), name, force_mfa)
        if not roles:
            return base
        return self._roles.assume_chain(roles, root, base)

    def session_for(self, name: str) -> boto3.Session:
        """A boto3 session for `name` whose credentials renew while the sign-in lasts."""
        profile = self._profile(name)
        first = self.credentials(name)
        if first is None:
            botocore_name = None if name == ENVIRONMENT_PROFILE else name
            return self._clients.profile_session(botocore_name, profile.region)
        core = self._clients.core_session(name)
        provider = _ServiceProvider(lambda: self.credentials(name) or first)
        resolver = core.get_component("credential_provider")
        resolver.insert_before("assume-role", provider)
        return checked_session(core, profile.region)

    def expires_at(self, name: str) -> datetime | None:
        """When `name` needs the person again (MFA code or SSO sign-in); None if never.

        Role credentials made from an MFA session renew silently, so for them this is the
        MFA session's expiry. Without a current sign-in this is None too: see `needs_login`.
        """
        chain = self._chain(name)
        root = chain[-1]
        if root.kind is ProfileKind.SSO:
            return self._sso.token_expires_at(root)
        if root.kind in (ProfileKind.STATIC, ProfileKind.STATIC_MFA):
            session = self._mfa.current(root)
            return session.expiration if session else None
        return None

    def needs_login(self, name: str) -> bool:
        """True when using `name` now would need an MFA code or an SSO sign-in."""
        chain = self._chain(name)
        root = chain[-1]
        if root.kind is ProfileKind.SSO:
            expiry = self._sso.token_expires_at(root)
            return expiry is None or expiry <= self._clock()
        needs_mfa = mfa_serial_for(chain) is not None
        return needs_mfa and self._mfa.current(root) is None

    def login(self, name: str, force: bool = False) -> CallerIdentity:
        """Sign `name` in now (prompting for MFA if needed) and say who it is."""
        self.credentials(name, force_mfa=force or self._wants_mfa(name))
        return self.whoami(name)

    def login_each(self, names: Sequence[str]) -> None:
        """Sign each of `names` in (as `login`), with one new MFA session per source
        profile: a role signing in through a source renewed just before in this call reuses
        that session instead of asking for a second code."""
        renewed: set[str] = set()
        for name in names:
            root = self._chain(name)[-1].name
            self.credentials(name, force_mfa=root not in renewed and self._wants_mfa(name))
            renewed.add(root)

    def whoami(self, name: str) -> CallerIdentity:
        """Account, ARN, expiry and storage of `name`'s credentials (may prompt for MFA)."""
        session = self.session_for(name)
        with aws_errors.translated(name, "check who you are"):
            identity = self._clients.sts(session).get_caller_identity()
        return CallerIdentity(
            profile_name=name,
            account=identity["Account"],
            arn=identity["Arn"],
            expires_at=self.expires_at(name),
            kept_in=self.kept_in(name),
        )

    def account_alias(self, name: str) -> str:
        """The alias of `name`'s account, "" if none or not allowed (account_alias.py).
        Signs in as `session_for` does: ask only when `needs_login` is False."""
        return account_alias(lambda: self.session_for(name), self._clients, name)

    def kept_in(self, name: str) -> str:
        """Where `name`'s credentials are kept, in words for a person."""
        chain = self._chain(name)
        root = chain[-1]
        if root.kind is ProfileKind.SSO:
            return "AWS CLI SSO token cache (~/.aws/sso/cache); role credentials in memory"
        if self._mfa.current(root) is not None:
            return self._mfa.kept_in(root.name)
        if root.kind is ProfileKind.ENVIRONMENT:
            return "environment variables"
        if root.kind is ProfileKind.LOGIN:
            return "the AWS CLI's 'aws login' cache (~/.aws/login/cache), renewed by botocore"
        if root.kind is ProfileKind.CONTAINER:
            return "the container's credential endpoint (AWS_CONTAINER_CREDENTIALS_*)"
        return f"AWS shared files / botocore ({root.kind.value})"

    def new_sign_in_round(self) -> None:
        """The person asked for something new (a refresh, a sign-in, a tunnel): an MFA
        prompt they cancelled earlier may be shown again (`MfaSessions.new_round`)."""
        self._mfa.new_round()

    def forget(self, name: str | None = None) -> list[str]:
        """Remove stored MFA sessions: of `name`'s source profile, or all. Returns what went."""
        profiles = self.profiles()
        names = [role_chain(profiles, name)[-1].name] if name else sorted(profiles)
        self._roles.forget()
        return [source for source in names if self._mfa.forget(source)]

    @property
    def storage_location(self) -> str:
        return self._store.location

    async def session_for_async(self, name: str) -> boto3.Session:
        return await asyncio.to_thread(self.session_for, name)

    async def login_async(self, name: str, force: bool = False) -> CallerIdentity:
        return await asyncio.to_thread(self.login, name, force)

    async def whoami_async(self, name: str) -> CallerIdentity:
        return await asyncio.to_thread(self.whoami, name)

    def _profile(self, name: str) -> Profile:
        return self._chain(name)[0]

    def _chain(self, name: str) -> tuple[Profile, ...]:
        """`role_chain`, refused past `MAX_ROLE_CHAIN` profiles with a message."""
        chain = role_chain(self.profiles(), name)
        if len(chain) > MAX_ROLE_CHAIN:
            raise ConfigurationError(
                f"Profile '{name}' reaches its credentials through {len(chain) - 1} "
                f"source_profile steps; ssmgui follows at most {MAX_ROLE_CHAIN - 1}. Point "
                "a profile nearer the start of the chain at the source of its credentials."
            )
        return chain

    def _wants_mfa(self, name: str) -> bool:
        """`ssmgui login` on plain keys means "give me an MFA session" (device discovered)."""
        root = self._chain(name)[-1]
        return root.kind in (ProfileKind.STATIC, ProfileKind.STATIC_MFA)

    def _base_credentials(
        self, root: Profile, serial: str | None, name: str, force_mfa: bool
    ) -> TemporaryCredentials | None:
        if root.kind is ProfileKind.SSO:
            return self._sso.credentials(root)
        if root.kind is ProfileKind.LOGIN:
            require_login_support(root.name)
            return None  # botocore reads and renews the `aws login` session itself
        if root.kind is ProfileKind.NO_CREDENTIALS:
            raise CredentialsError(
                f"Profile '{root.name}' has no credentials (no keys, role, SSO or "
                "credential_process). Add them to ~/.aws/config or ~/.aws/credentials."
            )
        if root.kind in (ProfileKind.STATIC, ProfileKind.STATIC_MFA):
            stored = None if force_mfa else self._mfa.current(root)
            if stored is not None:
                return stored
            if serial or force_mfa:
                return self._mfa.ensure(root, serial, name, force=force_mfa)
        return None


class _ServiceProvider(CredentialProvider):
    """Hands botocore the service's credentials, renewing through the service."""

    METHOD = "ssmgui"
    CANONICAL_NAME = "ssmgui"

    def __init__(self, fetch: Callable[[], TemporaryCredentials]) -> None:
        super().__init__()
        self._fetch = fetch

    def load(self) -> RefreshableCredentials:
        return RefreshableCredentials.create_from_metadata(
            metadata=self._metadata(),
            refresh_using=self._metadata,
            method=self.METHOD,
            advisory_timeout=_ADVISORY_REFRESH,
            mandatory_timeout=_MANDATORY_REFRESH,
        )

    def _metadata(self) -> dict[str, str]:
        credentials = self._fetch()
        return {
            "access_key": credentials.access_key_id,
            "secret_key": credentials.secret_access_key,
            "token": credentials.session_token,
            "expiry_time": credentials.expiration.isoformat(),
        }
