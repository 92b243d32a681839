"""What the demo desktop's web instance serves: a welcome page.

`WelcomePage` is the web server behind `demo-web` (ports 80 and 8080): a friendly page that
says it came through a Session Manager tunnel opened by ssmgui. demo-ssh's SSH server is
`ssh_server.py`.
"""

from __future__ import annotations

import asyncio
import html

from ssmgui.demo.servers.targets import DemoHttpServer


class WelcomePage(DemoHttpServer):
    """GET anything → a small welcome page naming the instance and profile it stands for."""

    def __init__(self, instance: str, profile: str) -> None:
        super().__init__(instance)
        self.profile = profile

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        if not line:
            return
        body = _page(self.instance, self.profile).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()


def _page(instance: str, profile: str) -> str:
    where = html.escape(f"{instance} ({profile})")
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<title>Hello from demo-web, through ssmgui</title>"
        "<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;line-height:1.5}"
        "code{background:#eee;padding:0 .2em}</style></head><body>"
        "<h1>It works: this page came through an SSM tunnel from ssmgui</h1>"
        f"<p>You are looking at the web server of <code>{where}</code>, a private instance "
        "of the ssmgui demo. Your browser talked to a port on your own computer; ssmgui "
        "carried the bytes over an AWS Session Manager data channel to the instance.</p>"
        "<p>No inbound ports, no bastion host, no VPN. Close the tunnel from the tray menu "
        "when you are done.</p></body></html>"
    )
