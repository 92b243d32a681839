"""A link that loses a fifth of the acks both ways still moves 64 MiB each way, intact.

Lost acks leave messages unacked on both sides. Ours resends every message whose RTO has
passed (docs/protocol.md §5); the agent resends only its oldest one per 100 ms tick but
keeps reading its target until 100,000 messages are unacked, so a lossy download is not
throttled to one message per tick.
"""

from __future__ import annotations

import asyncio

import pytest

from ssmgui.demo.servers.transfer import download, upload
from tests.tunnel_fixtures import DIGEST_PORT, World

pytestmark = pytest.mark.slow

MIB = 1024 * 1024


async def test_a_fifth_of_the_acks_lost_both_ways_costs_no_byte_and_no_stall(
    world: World,
) -> None:
    tunnel = await world.tunnel(remote_port=DIGEST_PORT)
    world.fake.faults.drop_acks_from_client = 0.2
    world.fake.faults.drop_acks_to_client = 0.2
    try:
        up = await asyncio.wait_for(upload(tunnel.local_port, 64 * MIB), 120)
        down = await asyncio.wait_for(download(tunnel.local_port, 64 * MIB), 120)
        assert up.intact and down.intact
        session = world.fake.sessions[tunnel.channel.session_id]
        assert session.acks_withheld > 0 and session.client_acks_ignored > 0
    finally:
        await tunnel.stop()
