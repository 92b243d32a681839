"""An smux stream from the agent that cannot be parsed ends the tunnel with a clear reason.

It is not a dropped link: resuming would feed the same broken stream again, which once made
a tunnel resume 51 times in 30 s with 200,000 resends.
"""

from __future__ import annotations

import asyncio

from ssmgui.core.errors import ProtocolError
from tests.tunnel_fixtures import ECHO_PORT, World


async def test_a_corrupt_stream_from_the_agent_ends_the_session_without_resuming(
    world: World,
) -> None:
    tunnel = await world.tunnel(remote_port=ECHO_PORT)
    try:
        assert tunnel.mode == "mux"
        world.fake.faults.corrupt_smux = True
        reader, writer = await asyncio.open_connection("127.0.0.1", tunnel.local_port)
        writer.write(b"hello")
        assert await asyncio.wait_for(reader.read(), 10) == b""  # closed, nothing delivered
        writer.close()
        error = await asyncio.wait_for(tunnel.wait_closed(), 10)
        assert isinstance(error, ProtocolError)
        assert "multiplexed stream ssmgui cannot read" in error.user_message
        assert "Open it again" in error.user_message
        assert tunnel.channel.stats.reconnects == 0
        assert world.fake.sessions[tunnel.channel.session_id].terminated
    finally:
        await tunnel.stop()
