"""What the demo desktop's featured instances serve: a welcome page and an SSH banner.

`WelcomePage` is the web server behind `demo-web` (ports 80 and 8080): a friendly page that
says it came through a Session Manager tunnel opened by ssmgui. `SshBanner` stands in for
sshd behind `demo-ssh`: no SSH server is embedded (none ships with ssmgui's dependencies),
so it sends a few lines of explanation (lines a server may send before its identification,
RFC 4253 §4.2; `ssh -v` shows them), its `SSH-2.0-ssmgui-demo` identification, then closes:
ssh reports "Connection closed" rather than a garbled packet, and the demo's client note
says why (guide.py).
"""

from __future__ import annotations

import asyncio
import html

from ssmgui.demo.servers.loopback import LoopbackServer
from ssmgui.demo.servers.targets import DemoHttpServer

SSH_IDENTIFICATION = b"SSH-2.0-ssmgui-demo\r\n"
SSH_BANNER = (
    "Hello from the ssmgui demo! This connection travelled through an AWS Session Manager\r\n"
    "tunnel that ssmgui opened for you. A real instance would run sshd here; the demo only\r\n"
    "says hello and closes the connection.\r\n"
)


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


class SshBanner(LoopbackServer):
    """A banner-only TCP target: says who it is and a few lines, then closes."""

    async def handle(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(SSH_BANNER.encode() + SSH_IDENTIFICATION)
        await writer.drain()
