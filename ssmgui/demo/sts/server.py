"""FakeSts: just enough of STS and IAM (query protocol) for the demo's sign-in, on loopback.

Actions: STS `GetCallerIdentity`, `GetSessionToken`, `AssumeRole`; IAM `ListMFADevices` and
`ListAccountAliases` (refused, as an IAM policy may, for accounts in `aliases_refused`).
One endpoint serves both services (botocore's sts and iam clients both `POST /` forms with
`Action=…`). The caller is the access key id in the Authorization header's credential
scope; signatures themselves are not checked here (the fake data channel verifies SigV4
with the same secrets). Answers and errors are shaped like AWS's (`answers.py`).

MFA: any 6 digits are a valid code except `000000` (WRONG_CODE), which is refused exactly
as AWS refuses a wrong code, so the demo can show that path. Temporary credentials made
here (ASIA… ids, random secrets and session tokens) are remembered, expire, and are told
to every `subscribe`d listener so a FakeAws can verify SigV4 made with them.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from ssmgui.demo.servers.query import QueryServer
from ssmgui.demo.sts.answers import (
    Issued,
    StsError,
    account_aliases_xml,
    assume_role_xml,
    caller_identity_xml,
    error_xml,
    mfa_devices_xml,
    session_token_xml,
)

WRONG_CODE = "000000"
_WRONG_CODE_MESSAGE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
_BAD_SERIAL_MESSAGE = (
    "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA "
    "serial number is valid and associated with this user."
)
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/")
_IAM_ACTIONS = frozenset({"ListMFADevices", "ListAccountAliases"})
_KEY_ALPHABET = string.ascii_uppercase + string.digits

CredentialListener = Callable[[str, str], None]  # (access key id, secret access key)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IamUser:
    """An IAM user with long-lived keys and (optionally) a virtual MFA device."""

    account: str
    name: str
    access_key_id: str
    secret_access_key: str = field(repr=False)  # never in a log line
    mfa_serial: str | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:user/{self.name}"


@dataclass(frozen=True)
class Caller:
    """Who signs with an access key: the user itself, or temporary credentials of theirs."""

    user: IamUser
    arn: str
    user_id: str
    account: str
    session_token: str | None = field(default=None, repr=False)
    expires: datetime | None = None
    mfa: bool = False


class FakeSts:
    """The fake STS + IAM endpoint. `add_user` / `add_role` before use; `url` once started."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._callers: dict[str, Caller] = {}
        self._secrets: dict[str, str] = {}
        self._roles: dict[str, bool] = {}  # role ARN → requires MFA
        self._listeners: list[CredentialListener] = []
        self._server = QueryServer(self._handle)
        self.calls: dict[str, int] = {}
        self.url = ""
        self.account_aliases: dict[str, str] = {}  # account id → its alias
        self.aliases_refused: set[str] = set()  # accounts whose callers may not list aliases

    def add_user(self, account: str, name: str, *, mfa: bool = True) -> IamUser:
        """A new IAM user with fresh keys, and a virtual MFA device if `mfa`."""
        serial = f"arn:aws:iam::{account}:mfa/{name}" if mfa else None
        user = IamUser(account, name, _key_id("AKIA"), _secret(), serial)
        self._remember(user.access_key_id, user.secret_access_key, _user_caller(user))
        return user

    def add_role(self, account: str, name: str, *, requires_mfa: bool = True) -> str:
        """A role any user may assume (with MFA if `requires_mfa`); returns its ARN."""
        arn = f"arn:aws:iam::{account}:role/{name}"
        self._roles[arn] = requires_mfa
        return arn

    def subscribe(self, listener: CredentialListener) -> None:
        """`listener(key id, secret)` for every key known now and every one issued later."""
        self._listeners.append(listener)
        for key, secret in self._secrets.items():
            listener(key, secret)

    async def start(self) -> str:
        self.url = await self._server.start()
        return self.url

    async def stop(self) -> None:
        await self._server.stop()

    # --- requests -------------------------------------------------------------------------

    def _handle(self, params: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, str]:
        action = params.get("Action", "")
        namespace = "iam" if action in _IAM_ACTIONS else "sts"
        self.calls[action] = self.calls.get(action, 0) + 1
        try:
            return 200, self._answer(action, params, self._caller(headers))
        except StsError as exc:
            return exc.status, error_xml(namespace, exc)

    def _answer(self, action: str, params: Mapping[str, str], caller: Caller) -> str:
        if action == "GetCallerIdentity":
            return caller_identity_xml(caller.arn, caller.user_id, caller.account)
        if action == "GetSessionToken":
            return session_token_xml(self._session_token(params, caller))
        if action == "AssumeRole":
            issued, assumed = self._assume_role(params, caller)
            return assume_role_xml(issued, assumed.arn, assumed.user_id)
        if action == "ListMFADevices":
            return mfa_devices_xml(self._mfa_devices(params, caller))
        if action == "ListAccountAliases":
            return account_aliases_xml(self._aliases(caller))
        raise StsError("InvalidAction", f"Could not find operation {action}", 400)

    def _aliases(self, caller: Caller) -> list[str]:
        if caller.account in self.aliases_refused:
            raise StsError(
                "AccessDenied",
                f"User: {caller.arn} is not authorized to perform: iam:ListAccountAliases",
                403,
            )
        alias = self.account_aliases.get(caller.account)
        return [alias] if alias else []

    def _caller(self, headers: Mapping[str, str]) -> Caller:
        match = _CREDENTIAL.search(headers.get("authorization", ""))
        if match is None:
            raise StsError("MissingAuthenticationToken", "Request is missing Authentication Token")
        caller = self._callers.get(match[1])
        if caller is None or caller.session_token != headers.get("x-amz-security-token"):
            raise StsError(
                "InvalidClientTokenId", "The security token included in the request is invalid."
            )
        if caller.expires is not None and caller.expires <= self._clock():
            raise StsError("ExpiredToken", "The security token included in the request is expired")
        return caller

    def _session_token(self, params: Mapping[str, str], caller: Caller) -> Issued:
        if caller.session_token is not None:
            raise StsError("AccessDenied", "Cannot call GetSessionToken with session credentials")
        seconds = _duration(params, default=43_200, maximum=129_600)
        mfa = self._check_mfa(params, caller.user)
        issued = self._issue(seconds)
        self._remember(
            issued.access_key_id,
            issued.secret_access_key,
            replace(caller, session_token=issued.session_token, expires=issued.expiration, mfa=mfa),
        )
        return issued

    def _assume_role(self, params: Mapping[str, str], caller: Caller) -> tuple[Issued, Caller]:
        role_arn, session_name = _required(params, "RoleArn"), _required(params, "RoleSessionName")
        seconds = _duration(params, default=3600, maximum=43_200)
        mfa = self._check_mfa(params, caller.user) or caller.mfa
        if role_arn not in self._roles or (self._roles[role_arn] and not mfa):
            raise StsError(
                "AccessDenied",
                f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: "
                f"{role_arn}",
            )
        account, role_name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
        issued = self._issue(seconds)
        assumed = Caller(
            user=caller.user,
            arn=f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}",
            user_id=f"{_key_id('AROA')}:{session_name}",
            account=account,
            session_token=issued.session_token,
            expires=issued.expiration,
            mfa=mfa,
        )
        self._remember(issued.access_key_id, issued.secret_access_key, assumed)
        return issued, assumed

    def _mfa_devices(self, params: Mapping[str, str], caller: Caller) -> list[tuple[str, str]]:
        name = params.get("UserName") or caller.user.name
        if name != caller.user.name:
            raise StsError("NoSuchEntity", f"The user with name {name} cannot be found.", 404)
        serial = caller.user.mfa_serial
        return [(name, serial)] if serial else []

    def _check_mfa(self, params: Mapping[str, str], user: IamUser) -> bool:
        """True if a valid MFA code was given, False if none; raises for a wrong one."""
        serial, code = params.get("SerialNumber"), params.get("TokenCode")
        if not serial and not code:
            return False
        if not serial or serial != user.mfa_serial:
            raise StsError("AccessDenied", _BAD_SERIAL_MESSAGE)
        if code is None or not re.fullmatch(r"\d{6}", code) or code == WRONG_CODE:
            raise StsError("AccessDenied", _WRONG_CODE_MESSAGE)
        return True

    def _issue(self, seconds: int) -> Issued:
        expiration = self._clock().replace(microsecond=0) + timedelta(seconds=seconds)
        token = secrets.token_urlsafe(480)  # AWS tokens run to several hundred characters
        return Issued(_key_id("ASIA"), _secret(), token, expiration)

    def _remember(self, key: str, secret: str, caller: Caller) -> None:
        self._callers[key] = caller
        self._secrets[key] = secret
        for listener in list(self._listeners):
            listener(key, secret)


def _user_caller(user: IamUser) -> Caller:
    user_id = "AIDA" + user.access_key_id[4:]
    return Caller(user=user, arn=user.arn, user_id=user_id, account=user.account)


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise StsError("MissingParameter", f"The request must contain the parameter {name}", 400)
    return value


def _duration(params: Mapping[str, str], *, default: int, maximum: int) -> int:
    text = params.get("DurationSeconds")
    seconds = int(text) if text and text.isdigit() else default
    if not 900 <= seconds <= maximum:
        raise StsError(
            "ValidationError",
            f"1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to "
            f"satisfy constraint: Member must have value between 900 and {maximum}",
            400,
        )
    return seconds


def _key_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def _secret() -> str:
    return secrets.token_urlsafe(30)[:40]
