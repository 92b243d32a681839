"""The fake STS + IAM answers real boto3 clients like AWS does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from ssmgui.demo.sts.server import FakeSts, IamUser

ONE_ATTEMPT = Config(retries={"max_attempts": 1})
ACCOUNT = "111111111111"


@pytest.fixture
async def sts() -> AsyncIterator[FakeSts]:
    fake = FakeSts()
    await fake.start()
    yield fake
    await fake.stop()


def _session(key: str, secret: str, token: str | None = None) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name="eu-west-1",
    )


def _user_session(user: IamUser) -> boto3.Session:
    return _session(user.access_key_id, user.secret_access_key)


async def test_caller_identity_and_mfa_session(sts: FakeSts) -> None:
    user = sts.add_user(ACCOUNT, "alice")
    seen: dict[str, str] = {}
    sts.subscribe(seen.__setitem__)
    assert seen == {user.access_key_id: user.secret_access_key}

    def run() -> None:
        client = _user_session(user).client("sts", endpoint_url=sts.url, config=ONE_ATTEMPT)
        me = client.get_caller_identity()
        assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice" and me["Account"] == ACCOUNT
        before = datetime.now(UTC)
        answer = client.get_session_token(
            SerialNumber=user.mfa_serial or "", TokenCode="123456", DurationSeconds=900
        )
        creds = answer["Credentials"]
        assert creds["AccessKeyId"].startswith("ASIA") and len(creds["SessionToken"]) > 300
        assert timedelta(seconds=890) < creds["Expiration"] - before < timedelta(seconds=910)
        assert seen[creds["AccessKeyId"]] == creds["SecretAccessKey"]
        temp = _session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        assert temp.client("sts", endpoint_url=sts.url).get_caller_identity()["Arn"] == me["Arn"]

    await asyncio.to_thread(run)


async def test_wrong_code_is_refused_like_aws(sts: FakeSts) -> None:
    user = sts.add_user(ACCOUNT, "bob")

    def run() -> ClientError:
        client = _user_session(user).client("sts", endpoint_url=sts.url, config=ONE_ATTEMPT)
        with pytest.raises(ClientError) as caught:
            client.get_session_token(SerialNumber=user.mfa_serial or "", TokenCode="000000")
        return caught.value

    error = await asyncio.to_thread(run)
    assert error.response["Error"]["Code"] == "AccessDenied"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "invalid MFA one time pass code" in error.response["Error"]["Message"]


async def test_assume_role_needs_mfa_and_returns_the_assumed_role_arn(sts: FakeSts) -> None:
    user = sts.add_user(ACCOUNT, "carol")
    role = sts.add_role("222222222222", "admin")

    def run() -> None:
        client = _user_session(user).client("sts", endpoint_url=sts.url, config=ONE_ATTEMPT)
        with pytest.raises(ClientError, match="not authorized to perform: sts:AssumeRole"):
            client.assume_role(RoleArn=role, RoleSessionName="no-mfa")
        answer = client.assume_role(
            RoleArn=role,
            RoleSessionName="with-mfa",
            SerialNumber=user.mfa_serial or "",
            TokenCode="246810",
        )
        creds = answer["Credentials"]
        arn = "arn:aws:sts::222222222222:assumed-role/admin/with-mfa"
        assert answer["AssumedRoleUser"]["Arn"] == arn
        temp = _session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        assert temp.client("sts", endpoint_url=sts.url).get_caller_identity()["Arn"] == arn

    await asyncio.to_thread(run)


async def test_an_mfa_session_may_assume_the_role_without_a_code(sts: FakeSts) -> None:
    user = sts.add_user(ACCOUNT, "dave")
    role = sts.add_role("222222222222", "ops")

    def run() -> str:
        client = _user_session(user).client("sts", endpoint_url=sts.url, config=ONE_ATTEMPT)
        mfa = client.get_session_token(SerialNumber=user.mfa_serial or "", TokenCode="111111")
        c = mfa["Credentials"]
        temp = _session(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        answer = temp.client("sts", endpoint_url=sts.url).assume_role(
            RoleArn=role, RoleSessionName="chained"
        )
        return answer["AssumedRoleUser"]["Arn"]

    assert (await asyncio.to_thread(run)).endswith("assumed-role/ops/chained")


async def test_list_mfa_devices_and_unknown_keys(sts: FakeSts) -> None:
    user = sts.add_user(ACCOUNT, "erin")
    nomfa = sts.add_user(ACCOUNT, "frank", mfa=False)

    def run() -> None:
        iam = _user_session(user).client("iam", endpoint_url=sts.url, config=ONE_ATTEMPT)
        devices = iam.list_mfa_devices(UserName="erin")["MFADevices"]
        assert [d["SerialNumber"] for d in devices] == [f"arn:aws:iam::{ACCOUNT}:mfa/erin"]
        other = _user_session(nomfa).client("iam", endpoint_url=sts.url, config=ONE_ATTEMPT)
        assert other.list_mfa_devices()["MFADevices"] == []
        stranger = _session("AKIAUNKNOWN000000000", "nope")
        client = stranger.client("sts", endpoint_url=sts.url, config=ONE_ATTEMPT)
        with pytest.raises(ClientError, match="InvalidClientTokenId"):
            client.get_caller_identity()

    await asyncio.to_thread(run)
    assert sts.calls["ListMFADevices"] == 2


async def test_duration_limits_and_expired_credentials() -> None:
    now = [datetime.now(UTC)]
    sts = FakeSts(clock=lambda: now[0])
    await sts.start()
    user = sts.add_user(ACCOUNT, "gina", mfa=False)

    def run() -> None:
        client = _user_session(user).client("sts", endpoint_url=sts.url, config=ONE_ATTEMPT)
        with pytest.raises(ClientError, match="ValidationError"):
            client.get_session_token(DurationSeconds=129_601)
        c = client.get_session_token(DurationSeconds=129_600)["Credentials"]
        now[0] += timedelta(seconds=129_601)
        temp = _session(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        with pytest.raises(ClientError, match="ExpiredToken"):
            temp.client("sts", endpoint_url=sts.url, config=ONE_ATTEMPT).get_caller_identity()

    try:
        await asyncio.to_thread(run)
    finally:
        await sts.stop()
