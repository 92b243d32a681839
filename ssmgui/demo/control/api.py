"""A minimal HTTP/1.1 server for the fake's control plane, AWS JSON 1.1.

See docs/protocol.md §11 item 8.

`POST /` with `X-Amz-Target: AmazonSSM.<Op>` (the HTTP loop: ssmgui.demo.servers.http).
Errors are HTTP 400 with `{"__type": code, "message": ...}`. Signatures are ignored.
"""

from __future__ import annotations

import json
import logging
import ssl
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from ssmgui.demo.servers.http import HttpRequest, HttpResponse, LoopbackHttpServer

log = logging.getLogger(__name__)

JSON_11 = "application/x-amz-json-1.1"
TARGET_PREFIX = "AmazonSSM."
#: KMS's operations (FakeKms) arrive as "TrentService.<Op>" and are dispatched so named.
KMS_TARGET_PREFIX = "TrentService."
#: EC2 Instance Connect's (demo/ec2/instance_connect.py), dispatched so named too.
EIC_TARGET_PREFIX = "AWSEC2InstanceConnectService."
#: GET answers for the fake instances' metadata service, path → text (None: not served).
MetadataRead = Callable[[str], str | None]


class ApiError(Exception):
    """An AWS error answer: HTTP `status` with `__type` = code."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class EncodedJson(str):
    """An answer already encoded as JSON text, sent as it is: the fake encodes each
    instance of a DescribeInstanceInformation page once, not on every call (control/plane.py)."""


Answer = dict[str, Any] | EncodedJson
Dispatch = Callable[[str, dict[str, Any], dict[str, str]], Awaitable[Answer]]


class ApiServer:
    """Serves `dispatch(operation, body, headers)`; header names are lower-cased. Each
    answer waits 2 × `latency()`: a request and a response each cross the "network".
    With a `tls` context it serves https://."""

    def __init__(
        self,
        dispatch: Dispatch,
        latency: Callable[[], float],
        *,
        tls: ssl.SSLContext | None = None,
        metadata: MetadataRead = lambda _path: None,
    ) -> None:
        self._dispatch = dispatch
        self._metadata = metadata
        self._http = LoopbackHttpServer(self._respond, lambda: 2 * latency(), tls=tls)
        self.port = 0

    @property
    def url(self) -> str:
        return self._http.url

    async def start(self) -> int:
        self.port = await self._http.start()
        return self.port

    async def stop(self) -> None:
        await self._http.stop()

    async def _respond(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            text = self._metadata(request.path)
            status = 404 if text is None else 200
            return HttpResponse(status, "text/plain", (text or "").encode())
        status, answer = await self._answer(
            request.method, request.path, dict(request.headers), request.body
        )
        text = answer if isinstance(answer, EncodedJson) else json.dumps(answer)
        return HttpResponse(
            status, JSON_11, text.encode(), {"x-amzn-RequestId": str(uuid.uuid4())}
        )  # fmt: skip

    async def _answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Answer]:
        target = headers.get("x-amz-target", "")
        kms = target.startswith((KMS_TARGET_PREFIX, EIC_TARGET_PREFIX))
        if method != "POST" or not (kms or target.startswith(TARGET_PREFIX)):
            return 400, {"__type": "UnknownOperationException", "message": "Unknown operation"}
        try:
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise ApiError("SerializationException", "body must be a JSON object")
            operation = target if kms else target[len(TARGET_PREFIX) :]
            return 200, await self._dispatch(operation, request, headers)
        except ApiError as exc:
            return exc.status, {"__type": exc.code, "message": exc.message}
        except ValueError as exc:
            return 400, {"__type": "SerializationException", "message": str(exc)}
