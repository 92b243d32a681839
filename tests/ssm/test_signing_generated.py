"""The lean API signer equals botocore's SigV4Auth on generated requests.

Paths and queries with reserved, percent-encoded and non-ASCII characters, bodies, extra
headers with odd spacing, with and without a session token: the reference is botocore's
`SigV4Auth.add_auth` on the same request at the same time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock
from urllib.parse import quote

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials
from hypothesis import given, settings
from hypothesis import strategies as st

from ssmgui.ssm.signing import sigv4_headers

FROZEN = datetime(2026, 12, 6, 9, 30, 0, tzinfo=UTC)
PATH_CHARS = st.sampled_from([*"abcXYZ019-_.~!$&'()*+,;=:@/ %é€", "%2F", "%41", "./", "../"])
QUERY_CHARS = st.sampled_from([*"abcXYZ019-_.~!$'()*+,;:@/ é", "%2B", "%3D", "%20"])
paths = st.lists(PATH_CHARS, max_size=12).map(lambda parts: "/" + "".join(parts))
query_words = st.lists(QUERY_CHARS, min_size=1, max_size=6).map("".join)
queries = st.lists(st.tuples(query_words, query_words), max_size=4).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
)
header_values = st.text(alphabet=st.sampled_from(list("ab c\t=;/")), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    path=paths,
    query=queries,
    body=st.binary(max_size=64),
    token=st.one_of(st.none(), st.text(alphabet="abcdef0123456789/+=", min_size=8)),
    extra=header_values,
    method=st.sampled_from(["POST", "GET"]),
)
def test_the_lean_signer_signs_as_botocore_does(
    path: str, query: str, body: bytes, token: str | None, extra: str, method: str
) -> None:
    credentials = ReadOnlyCredentials("AKIDEXAMPLE", "s3cr3t/key+1", token)
    url = "https://ssm.eu-west-1.amazonaws.com" + quote(path, safe="/%!$&'()*+,;=:@~")
    if query:
        url += "?" + query
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Extra": extra}
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    frozen = FROZEN.replace(tzinfo=None)
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda: frozen):
        SigV4Auth(credentials, "ssm", "eu-west-1").add_auth(request)
    expected = dict(request.headers.items())
    ours = sigv4_headers(
        credentials, method=method, url=url, service="ssm", region="eu-west-1",
        headers=headers, body=body, now=FROZEN,
    )  # fmt: skip
    assert ours == expected
