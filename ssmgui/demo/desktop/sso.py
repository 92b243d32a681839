"""The demo's IAM Identity Center: the fake portal and OIDC service (`FakeSso`), an
`[sso-session demo-sso]` and one profile on it in the demo's AWS config, and a small fleet
in each of the organisation's accounts.

- Signing in completes on the fake's own page (`approve_automatically`: the demo person is
  signed in to the portal and has consented), the PKCE verifier checked for real.
- A sign-in lasts `SESSION_LIFETIME` (3 minutes): its tokens are refreshed silently until
  then, and refused afterwards, so the demo shows a session ending and a new sign-in.
- Each account has `PER_ACCOUNT` instances in the first demo region, listed under the
  profile (`SSO_PROFILE`, demo-sandbox's Dev role) or under an (account, role) pair's label
  (`demo-sso:<account name>/<role>`); `fleet_key` tells which account's fleet a name means.
- Role credentials the portal issues are accepted (SigV4 verified) by every account's fake
  SSM and EC2, as the fake STS's are by the other profiles'.
"""

from __future__ import annotations

from datetime import timedelta

from ssmgui.demo.fleet import DemoFleet
from ssmgui.demo.sso.organisation import SsoAccount, demo_organisation
from ssmgui.demo.sso.server import FakeSso
from ssmgui.demo.stopping import stop_each

SSO_SESSION = "demo-sso"
SSO_PROFILE = "demo-sso-sandbox"
SSO_PROFILE_ACCOUNT, SSO_PROFILE_ROLE = "demo-sandbox", "Dev"
SCOPES = "sso:account:access"
PER_ACCOUNT = 4
SESSION_LIFETIME = timedelta(minutes=3)
#: The app's own refresh (`SsoSignIn`) starts this close to a demo token's end, not 15
#: minutes before as with AWS's hours-long tokens: with 3-minute tokens it would refresh on
#: every call, racing botocore's refresh of the same rotating refresh token.
REFRESH_WINDOW = timedelta(seconds=30)


class DemoSso:
    """The fake IAM Identity Center and its accounts' fleets; `await start()` first."""

    def __init__(self, region: str, seed: int) -> None:
        self.region = region
        self.accounts: tuple[SsoAccount, ...] = demo_organisation()
        self.fake = FakeSso(self.accounts, session_lifetime=SESSION_LIFETIME)
        self.fleet = DemoFleet(
            tuple(account.name for account in self.accounts),
            (region,),
            PER_ACCOUNT,
            seed + 1,  # demo-sandbox shares demo-prod's account id: not its instances
            accounts=tuple(account.account_id for account in self.accounts),
        )

    async def start(self) -> None:
        await self.fake.start()
        await self.fleet.start()
        fakes = list(self.fleet.ssm.values())
        for fake in fakes:
            fake.sigv4, fake.accept_unknown_keys = "verify", False

        def register(access_key: str, secret: str) -> None:
            for fake in fakes:
                fake.credentials[access_key] = secret

        self.fake.portal.subscribe(register)

    async def stop(self) -> None:
        await stop_each("the demo's IAM Identity Center", [self.fleet.stop, self.fake.stop])

    @property
    def url(self) -> str:
        return self.fake.url

    def fleet_key(self, profile: str) -> str | None:
        """The account (fleet) whose instances `profile` lists: the SSO profile's, or the
        account named in a pair label `demo-sso:<account name>/<role>`; None otherwise."""
        if profile == SSO_PROFILE:
            return SSO_PROFILE_ACCOUNT
        prefix = f"{SSO_SESSION}:"
        if not profile.startswith(prefix) or "/" not in profile:
            return None
        name = profile[len(prefix) :].rsplit("/", 1)[0]
        return name if any(a.name == name for a in self.accounts) else None

    def config_text(self, *, with_profile: bool) -> str:
        """The AWS config sections: the sso-session, and with `with_profile` the profile
        on it (`SSO_PROFILE`)."""
        account = next(a for a in self.accounts if a.name == SSO_PROFILE_ACCOUNT)
        session = (
            f"[sso-session {SSO_SESSION}]\nsso_start_url = {self.fake.start_url}\n"
            f"sso_region = {self.region}\nsso_registration_scopes = {SCOPES}\n\n"
        )
        if not with_profile:
            return session
        return session + (
            f"[profile {SSO_PROFILE}]\nsso_session = {SSO_SESSION}\n"
            f"sso_account_id = {account.account_id}\nsso_role_name = {SSO_PROFILE_ROLE}\n"
            f"region = {self.region}\nssmgui_regions = {self.region}\n\n"
        )
