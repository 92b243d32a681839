"""demo-ssh's target: its identification, then an SSH_MSG_DISCONNECT ssh prints, read
here byte by byte as RFC 4253 lays it out."""

from __future__ import annotations

import asyncio

from ssmgui.demo.desktop.targets import SSH_GOODBYE, SSH_IDENTIFICATION, SshBanner


async def test_the_goodbye_is_a_well_formed_disconnect_packet() -> None:
    server = SshBanner()
    await server.start()
    try:
        reader, writer = await asyncio.open_connection(*server.address)
        assert await reader.readline() == SSH_IDENTIFICATION
        writer.write(b"SSH-2.0-OpenSSH_9.2\r\n")
        length = int.from_bytes(await reader.readexactly(4), "big")
        packet = await reader.readexactly(length)
        padding, payload = packet[0], packet[1 : length - packet[0]]
        assert (4 + length) % 8 == 0 and padding >= 4
        assert payload[0] == 1  # SSH_MSG_DISCONNECT
        assert int.from_bytes(payload[1:5], "big") == 11  # by application
        size = int.from_bytes(payload[5:9], "big")
        assert payload[9 : 9 + size].decode() == SSH_GOODBYE
        assert payload[9 + size :] == b"\0\0\0\0"  # empty language tag
        writer.close()  # the client hangs up: the target closes too
        assert await asyncio.wait_for(reader.read(), 5) == b""
    finally:
        await server.stop()
