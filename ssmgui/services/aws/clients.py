"""boto3 sessions and clients for the identity service, built in one place.

Tests and the demo pass an `endpoint_url` (a moto server on loopback) and a botocore
`Config` (e.g. one attempt only); production uses neither. Clients are made per call so each
worker thread has its own (boto3 clients are not shared across threads here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore import UNSIGNED
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_sso import SSOClient
    from mypy_boto3_sts import STSClient

#: STS and IAM need a region to sign with; this one is used when the profile names none.
FALLBACK_REGION = "us-east-1"


class AwsClients:
    """Makes boto3 sessions for profiles and the STS / IAM / SSO clients identity needs."""

    def __init__(self, config: Config | None = None, endpoint_url: str | None = None) -> None:
        self._config = config
        self._endpoint_url = endpoint_url

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint every client goes to, or None for AWS's own."""
        return self._endpoint_url

    def profile_session(self, profile_name: str | None, region: str | None) -> boto3.Session:
        """botocore's own session for `profile_name` (None: the environment's credentials)."""
        return boto3.Session(profile_name=profile_name, region_name=region or FALLBACK_REGION)

    def sts(self, session: boto3.Session) -> STSClient:
        return session.client("sts", config=self._config, endpoint_url=self._endpoint_url)

    def iam(self, session: boto3.Session) -> IAMClient:
        return session.client("iam", config=self._config, endpoint_url=self._endpoint_url)

    def sso(self, region: str) -> SSOClient:
        """An SSO portal client; its calls are authorised by the SSO token, not credentials."""
        session = boto3.Session(region_name=region)
        config = (self._config or Config()).merge(Config(signature_version=UNSIGNED))
        return session.client("sso", config=config, endpoint_url=self._endpoint_url)
