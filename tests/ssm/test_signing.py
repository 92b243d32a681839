"""SigV4 on the WebSocket upgrade (§9), checked by recomputing the signature."""

from __future__ import annotations

import datetime

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from ssmgui.ssm.signing import upgrade_headers

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
