"""SigV4: the WebSocket upgrade (docs/protocol.md §9), checked by recomputing the signature,
and the lean signer checked against botocore's own signature of the same request at the
same time."""

from __future__ import annotations

import datetime

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from ssmgui.ssm.signing import sigv4_headers, upgrade_headers

URL = "wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/s-1?role=publish_subscribe"
CREDS = ReadOnlyCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "tok")


def _expected_signature(headers: dict[str, str]) -> str:
    request = AWSRequest(method="GET", url=URL, headers={"X-Amz-Security-Token": "tok"})
    signer = SigV4Auth(CREDS, "ssmmessages", "eu-west-1")
    request.context["timestamp"] = headers["X-Amz-Date"]
    request.headers["X-Amz-Date"] = headers["X-Amz-Date"]
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)


def test_upgrade_is_signed_for_ssmmessages_with_the_session_token() -> None:
    headers = upgrade_headers(URL, CREDS, "eu-west-1")
    assert set(headers) == {"Authorization", "X-Amz-Date", "X-Amz-Security-Token"}
    assert headers["X-Amz-Security-Token"] == "tok"
    auth = headers["Authorization"]
    date = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d")
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{date}/eu-west-1/ssmmessages/")
    assert "SignedHeaders=host;x-amz-date;x-amz-security-token" in auth
    assert auth.endswith("Signature=" + _expected_signature(headers))
    assert "wJalrXUtnFEMI" not in str(headers)


def test_presigned_urls_are_left_alone() -> None:
    presigned = URL + "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc"
    assert upgrade_headers(presigned, CREDS, "eu-west-1") == {}


# --- the lean signer against botocore's SigV4Auth, for the same request at the same time ---

FROZEN = datetime.datetime(2024, 2, 29, 23, 59, 58, tzinfo=datetime.UTC)


def botocore_signed(
    monkeypatch: pytest.MonkeyPatch,
    credentials: ReadOnlyCredentials,
    *,
    method: str,
    url: str,
    service: str,
    headers: dict[str, str],
    body: bytes,
) -> dict[str, str]:
    """What botocore's add_auth puts on the same request at FROZEN (Host excluded)."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: FROZEN.replace(tzinfo=None))
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(credentials, service, "eu-west-1").add_auth(request)
    return dict(request.headers.items())


SSM_HEADERS = {
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Target": "AmazonSSM.DescribeInstanceInformation",
    "User-Agent": "ssmgui-inventory",  # botocore leaves it unsigned
}
EC2_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
    "User-Agent": "ssmgui-inventory",
}
EC2_BODY = b"Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-id"


@pytest.mark.parametrize("credentials", [CREDS, ReadOnlyCredentials("AKIDEXAMPLE", "s/k+x", None)])
@pytest.mark.parametrize(
    ("method", "url", "service", "headers", "body"),
    [
        ("POST", "https://ssm.eu-west-1.amazonaws.com/", "ssm", SSM_HEADERS, b'{"MaxResults":50}'),
        ("POST", "https://ec2.eu-west-1.amazonaws.com", "ec2", EC2_HEADERS, EC2_BODY),
        ("POST", "http://127.0.0.1:8123/", "ec2", EC2_HEADERS, EC2_BODY),
        ("POST", "https://vpce.example.com:443/a/./b//c~d", "ssm", SSM_HEADERS, b""),
        ("GET", URL, "ssmmessages", {}, b""),
        ("GET", "wss://h.example.com:8443/v1/x?b=2&a=1&a=0", "ssmmessages", {}, b""),
        ("POST", "https://ssm.eu-west-1.amazonaws.com/", "ssm", {"X-Odd": "  a   b "}, b"{}"),
    ],
)
def test_lean_signature_equals_botocores(
    monkeypatch: pytest.MonkeyPatch,
    credentials: ReadOnlyCredentials,
    method: str,
    url: str,
    service: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    expected = botocore_signed(
        monkeypatch,
        credentials,
        method=method,
        url=url,
        service=service,
        headers=headers,
        body=body,
    )
    ours = sigv4_headers(
        credentials,
        method=method,
        url=url,
        service=service,
        region="eu-west-1",
        headers=headers,
        body=body,
        now=FROZEN,
    )
    assert ours == expected
    assert credentials.secret_key
    assert credentials.secret_key not in str(ours)


def test_an_explicit_host_header_is_the_one_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    url, headers = "http://127.0.0.1:8123/", {"Host": "ssm.eu-west-1.amazonaws.com"}
    expected = botocore_signed(
        monkeypatch, CREDS, method="POST", url=url, service="ssm", headers=headers, body=b"{}"
    )
    ours = sigv4_headers(
        CREDS, method="POST", url=url, service="ssm", region="eu-west-1",
        headers=headers, body=b"{}", now=FROZEN,
    )  # fmt: skip
    assert ours == expected


def test_the_signing_key_changes_with_the_day() -> None:
    def sign(now: datetime.datetime) -> str:
        return sigv4_headers(
            CREDS, method="GET", url=URL, service="ssmmessages", region="eu-west-1",
            headers={}, body=b"", now=now,
        )["Authorization"]  # fmt: skip

    next_day = FROZEN + datetime.timedelta(seconds=2)
    assert sign(next_day).split("Signature=")[1] != sign(FROZEN).split("Signature=")[1]
    assert "/20240301/eu-west-1/ssmmessages/aws4_request" in sign(next_day)
