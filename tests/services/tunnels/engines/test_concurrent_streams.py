"""Many connections at once through one multiplexed tunnel, with latency so the window fills.

At zero latency the agent acks before the window ever fills, so no smux frame is ever held
back half-sent. With a 40 ms round trip and several uploads in flight it is, and another
stream's frame must not slip into it: the agent reads the messages as one byte stream
(docs/protocol.md §7), and a frame cut by another ends the session with an smux protocol
error. The fake runs in a process of its own, as AWS would: sharing this loop, its acks
arrive in batches that hide the race.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from ssmgui.core.tunnel import port_forwarding_request
from ssmgui.demo.servers.transfer import download, upload
from ssmgui.services.tunnels.engines.native import open_port_tunnel
from tests.demo_process import demo_process, demo_process_api, demo_process_options

DIGEST_INSTANCE, DIGEST_PORT = "i-0de0000000000e001", 9000
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def slow_link_demo() -> Iterator[dict[str, Any]]:
    """`python -m ssmgui.demo` with 20 ms one-way latency on every frame and API call."""
    with demo_process("--latency-ms", "20") as info:
        yield info


@pytest.mark.slow
async def test_uploads_beside_many_short_downloads_keep_every_stream_intact(
    slow_link_demo: dict[str, Any],
) -> None:
    tunnel = await open_port_tunnel(
        demo_process_api(slow_link_demo),
        port_forwarding_request(DIGEST_INSTANCE, DIGEST_PORT),
        options=demo_process_options(slow_link_demo),
    )
    try:
        uploads = [upload(tunnel.local_port, 8 * MIB) for _ in range(4)]
        downloads = [download(tunnel.local_port, 4096) for _ in range(200)]
        results = await asyncio.wait_for(asyncio.gather(*uploads, *downloads), 120)
        assert [result.intact for result in results] == [True] * len(results)
        assert not tunnel.channel.is_closed, "the service ended the session"
    finally:
        await tunnel.stop()
