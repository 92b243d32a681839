"""A tiny HTTP/1.1 server for AWS query-protocol fakes (EC2, STS, IAM) on loopback.

`QueryServer(handle)` serves `POST /` with a form-encoded body: each request becomes
`handle(params, headers)` → `(status, xml text)`, where `params` holds the first value of
each form field and `headers` maps lower-case names to values. `latency()` seconds are
waited before each answer (the HTTP loop: ssmgui.demo.servers.http); with a `tls`
context it serves https://.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs

from ssmgui.demo.servers.http import HttpRequest, HttpResponse, LoopbackHttpServer

Handler = Callable[[Mapping[str, str], Mapping[str, str]], tuple[int, str]]


class QueryServer:
    """`start()` → its URL on 127.0.0.1; `stop()` closes the listener and every connection."""

    def __init__(
        self,
        handle: Handler,
        latency: Callable[[], float] = lambda: 0.0,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._handle = handle
        self._http = LoopbackHttpServer(self._answer, latency, tls=tls)
        self.url = ""

    async def start(self) -> str:
        await self._http.start()
        self.url = self._http.url
        return self.url

    async def stop(self) -> None:
        """Idempotent."""
        await self._http.stop()

    async def _answer(self, request: HttpRequest) -> HttpResponse:
        form = parse_qs(request.body.decode(), keep_blank_values=True)
        params = {key: values[0] for key, values in form.items()}
        status, text = self._handle(params, request.headers)
        return HttpResponse(status, "text/xml;charset=UTF-8", text.encode())
