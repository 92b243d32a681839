"""A small HTTP CONNECT proxy on loopback, for the tests of every path that goes through one
(the inventory's HTTP client, the data channel's WebSocket, boto3's StartSession).

`ConnectProxy` is a stream handler; `proxy_server(proxy, tls=…)` serves it and yields its
URL, `http://` or, with a server-side TLS context, `https://` (TLS to the proxy, then the
client's own TLS with the target inside the tunnel). It records each tunnel's target and
Proxy-Authorization, and can answer instead of tunnelling: 407 to everything (`refuse`),
407 unless the client sends `require` as its Proxy-Authorization, or any status for chosen
targets (`answers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from tests.loopback_servers import serving

Serving = AbstractAsyncContextManager[str]

_REASONS = {403: "Forbidden", 407: "Proxy Authentication Required", 502: "Bad Gateway"}


@dataclass
class ConnectProxy:
    """A CONNECT proxy; see the module docstring."""

    refuse: bool = False
    require: str | None = None
    answers: dict[str, int] = field(default_factory=dict)
    tunnels: list[str] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, target, _ = head[0].split(" ")
        assert method == "CONNECT"
        self.tunnels.append(target)
        sent = [h.split(":", 1)[1].strip() for h in head if h.lower().startswith("proxy-author")]
        self.auth += sent
        status = self._answer(target, sent)
        if status != 200:
            writer.write(
                f"HTTP/1.1 {status} {_REASONS.get(status, 'No')}\r\n"
                'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'.encode()
            )
            await writer.drain()
            return
        host, port = target.rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host.strip("[]"), int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def _answer(self, target: str, sent: list[str]) -> int:
        if self.refuse or (self.require is not None and sent != [self.require]):
            return 407
        return self.answers.get(target, 200)


async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    sink.close()


def proxy_server(proxy: ConnectProxy, *, tls: ssl.SSLContext | None = None) -> Serving:
    """Serve `proxy` on 127.0.0.1; yields its URL (https:// with `tls`)."""
    return serving(proxy, tls=tls)
