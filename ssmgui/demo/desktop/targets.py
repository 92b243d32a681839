"""What the demo desktop's featured instances serve: a welcome page and an SSH banner.

`WelcomePage` is the web server behind `demo-web` (ports 80 and 8080): a friendly page that
says it came through a Session Manager tunnel opened by ssmgui. `SshBanner` stands in for
sshd behind `demo-ssh`: no SSH server is embedded (none ships with ssmgui's dependencies),
so it speaks just enough SSH to be heard: its identification, then, once the client's
arrives, an SSH_MSG_DISCONNECT (RFC 4253 §11.1; packets are plain text before the key
exchange) whose description ssh prints: "Received disconnect from 127.0.0.1 port N:11: The
ssmgui demo has no SSH server…". The person reads in ssh's own words that the tunnel reached
the instance and where the demo stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import html

from ssmgui.demo.servers.loopback import LoopbackServer
from ssmgui.demo.servers.targets import DemoHttpServer

SSH_IDENTIFICATION = b"SSH-2.0-ssmgui-demo\r\n"
SSH_GOODBYE = (
    "The ssmgui demo has no SSH server: this message came from demo-ssh through the Session "
    "Manager tunnel ssmgui opened. A real instance would run sshd here."
)
_SSH_MSG_DISCONNECT = 1
_BY_APPLICATION = 11  # SSH_DISCONNECT_BY_APPLICATION
_CLIENT_WAIT_S = 10  # for the client's identification, then for it to hang up


def disconnect_packet(reason: int, description: str) -> bytes:
    """An unencrypted SSH binary packet (RFC 4253 §6) carrying SSH_MSG_DISCONNECT."""
    text = description.encode()
    payload = (
        bytes([_SSH_MSG_DISCONNECT])
        + reason.to_bytes(4, "big")
        + len(text).to_bytes(4, "big")
        + text
        + (0).to_bytes(4, "big")  # language tag: empty
    )
    padding = 8 - (5 + len(payload)) % 8
    padding += 8 if padding < 4 else 0  # at least 4 bytes, whole 8-byte blocks
    length = 1 + len(payload) + padding
    return length.to_bytes(4, "big") + bytes([padding]) + payload + bytes(padding)


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
    """An SSH target that only says goodbye, in words ssh shows (module doc)."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(SSH_IDENTIFICATION)
        await writer.drain()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader.readline(), _CLIENT_WAIT_S)  # the client's
        writer.write(disconnect_packet(_BY_APPLICATION, SSH_GOODBYE))
        await writer.drain()
        # Closing with the client's key exchange unread could reset the connection before
        # the goodbye is read: wait for the client to hang up first.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader.read(), _CLIENT_WAIT_S)
