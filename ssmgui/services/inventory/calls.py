"""The inventory's two calls for one (profile, region), over asyncio HTTP.

`HttpPairCalls` sends DescribeInstanceInformation and DescribeInstances signed with SigV4
(http.py) and reads the answers with parsing.py. It takes boto3's parameters and raises what
boto3 would — `ClientError` with AWS's code, `EndpointConnectionError` and friends for the
network — so errors.py translates them as it does the rest of the app's botocore errors.

No threads, except to look up a profile's credentials (botocore may run a credential process
or refresh an SSO role); they are looked up again once if AWS answers that the token expired.
Connections and credentials are the service's, kept from one refresh to the next
(connections.py): one connection per endpoint and pair, used by the pair's calls one after
another. An EC2 answer is parsed after the connection is free again, at the refresh's low
priority (low_priority.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

from botocore import exceptions as boto_errors
from botocore.credentials import ReadOnlyCredentials

from ssmgui.core.errors import ServiceUnreachableError
from ssmgui.services.inventory import parsing
from ssmgui.services.inventory.connections import KeptForHttp
from ssmgui.services.inventory.http import HttpError, HttpResponse
from ssmgui.services.inventory.http import signed_headers as sign
from ssmgui.services.inventory.low_priority import LowPriorityLane
from ssmgui.services.inventory.records import Ec2Page

JSON_11 = "application/x-amz-json-1.1"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
EC2_API_VERSION = "2016-11-15"
USER_AGENT = "ssmgui-inventory"
#: AWS's ways of saying the session token has expired (STS, SSM, EC2).
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})


def ec2_form(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """boto3's DescribeInstances parameters → EC2 query-protocol form fields."""
    form = [("Action", "DescribeInstances"), ("Version", EC2_API_VERSION)]
    for n, chosen in enumerate(params.get("Filters", ()), 1):
        form.append((f"Filter.{n}.Name", str(chosen["Name"])))
        form += [(f"Filter.{n}.Value.{m}", str(v)) for m, v in enumerate(chosen["Values"], 1)]
    form += [(f"InstanceId.{m}", str(i)) for m, i in enumerate(params.get("InstanceIds", ()), 1)]
    form += [(key, str(params[key])) for key in ("MaxResults", "NextToken") if key in params]
    return form


def client_error(response: HttpResponse, operation: str) -> boto_errors.ClientError:
    """A non-2xx answer as botocore would raise it: code and message from the JSON
    `__type`/`message` or the XML `<Code>`/`<Message>`, else the HTTP status as the code."""
    code, message = str(response.status), ""
    try:
        if response.body.lstrip().startswith(b"<"):
            root = ElementTree.fromstring(response.body)  # noqa: S314  # see parsing.py
            texts = {parsing.local_name(e.tag): e.text or "" for e in root.iter()}
            code, message = texts.get("Code") or code, texts.get("Message", "")
        elif response.body.strip():
            error = json.loads(response.body)
            code = str(error.get("__type") or error.get("code") or code).rpartition("#")[2]
            message = str(error.get("message") or error.get("Message") or "")
    except (ValueError, AttributeError, ElementTree.ParseError):
        pass  # not AWS's format (a proxy's error page): the status is all we know
    parsed: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": response.status},
    }
    return boto_errors.ClientError(parsed, operation)


def network_error(exc: HttpError, url: str) -> boto_errors.BotoCoreError:
    """The botocore exception boto3 raises for the same failure (no header, no secret)."""
    if exc.connecting:
        if exc.timeout:
            return boto_errors.ConnectTimeoutError(endpoint_url=url)
        return boto_errors.EndpointConnectionError(endpoint_url=url)
    if exc.timeout:
        return boto_errors.ReadTimeoutError(endpoint_url=url)
    return boto_errors.ConnectionClosedError(endpoint_url=url)


class HttpPairCalls:
    """The calls of one (profile, region); see the module docstring. Calls of one kind may
    be made concurrently: they are served one at a time, in order; an SSM and an EC2 call
    may overlap."""

    def __init__(
        self,
        kept: KeptForHttp,
        profile: str,
        region: str,
        *,
        lane: LowPriorityLane | None = None,
    ) -> None:
        """`lane`: where EC2 answers wait to be parsed; None parses them at once."""
        self._kept, self._profile, self._region = kept, profile, region
        self._lane = lane
        self._credentials: ReadOnlyCredentials | None = None

    async def sign_in(self, _params: Mapping[str, Any]) -> Mapping[str, Any]:
        """Take the profile's credentials now, for the calls that follow (looking them up
        may wait for the person's MFA code). Shaped as a call, to be retried as one."""
        await self._current_credentials(None)
        return {}

    async def describe_instance_information(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """One SSM page for `params` (MaxResults, NextToken): the JSON answer, its
        timestamps as aware UTC datetimes (`parsing.ssm_information_page`)."""
        headers = {
            "Content-Type": JSON_11,
            "X-Amz-Target": "AmazonSSM.DescribeInstanceInformation",
        }
        body = json.dumps(dict(params)).encode()
        answer = await self._send("ssm", "DescribeInstanceInformation", headers, body)
        return parsing.ssm_information_page(answer.body)

    async def describe_instances(self, params: Mapping[str, Any]) -> Ec2Page:
        """One EC2 page for `params` (Filters, InstanceIds, MaxResults, NextToken), returned
        in a low-priority turn of `lane`, if any: the caller may do one bounded step of work
        with it before yielding."""
        body = urlencode(ec2_form(params)).encode()
        answer = await self._send("ec2", "DescribeInstances", {"Content-Type": FORM}, body)
        if self._lane is not None:  # the connection is free meanwhile for the next lookup
            await self._lane.turn()
        return parsing.ec2_page_from_xml(answer.body)

    async def _send(
        self, service: str, operation: str, headers: Mapping[str, str], body: bytes
    ) -> HttpResponse:
        url = await self._kept.endpoint(self._profile, self._region, service)
        path = urlsplit(url).path or "/"
        headers = {**headers, "User-Agent": USER_AGENT}
        stale: ReadOnlyCredentials | None = None
        while True:
            credentials = await self._current_credentials(stale)
            signed = sign(
                credentials,
                service=service,
                region=self._region,
                url=url,
                headers=headers,
                body=body,
            )
            connection = self._kept.connection(self._profile, self._region, url)
            try:
                answer = await connection.request(path, signed, body)
            except HttpError as exc:
                if exc.dial_error is not None and exc.dial_error.final:
                    # Not the network: the proxy or the trust store says why, and trying
                    # again would not change it.
                    raise ServiceUnreachableError(
                        f"Cannot reach AWS ({service}) in {self._region} for profile "
                        f"'{self._profile}': {exc.dial_error}"
                    ) from None
                raise network_error(exc, url) from None
            if answer.status < 300:
                return answer
            error = client_error(answer, operation)
            if error.response["Error"]["Code"] not in EXPIRED_CODES:
                raise error
            if stale is not None:  # refused again: the next refresh looks them up afresh
                self._kept.forget(self._profile)
                raise error
            stale = credentials  # look them up again (they may have been renewed), once

    async def _current_credentials(self, stale: ReadOnlyCredentials | None) -> ReadOnlyCredentials:
        """The profile's frozen credentials, taken on first use and again when the ones
        held are `stale`. Shared by the pair's SSM and EC2 calls."""
        if self._credentials is None or self._credentials is stale:
            self._credentials = await self._kept.credentials(self._profile, stale)
        return self._credentials
