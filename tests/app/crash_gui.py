"""The GUI's services in a process of their own, on a fake AWS in another process: what
`ssmgui` builds at start (`build_real_services`: identity, tunnel manager, the tunnels'
worker loop, the session record, the sweep of leftovers), with one tunnel open through the
manager as the window's Connect opens it. Prints {"session_id", "port"} once the tunnel is
ready, then runs until killed — or until stdin ends, which quits as the app quits.

Run by test_crash_leftovers.py with the fake's JSON line as its argument.
"""

from __future__ import annotations

import asyncio
import json
import sys

import qasync
from PySide6.QtWidgets import QApplication

from ssmgui.app.services import build_real_services
from ssmgui.core.profile import ENVIRONMENT_PROFILE
from ssmgui.core.tunnel import TunnelKind, spec_for
from ssmgui.ssm.channel import ChannelOptions

ECHO_INSTANCE = "i-0de0000000000e001"


async def session(info: dict[str, str]) -> None:
    options = ChannelOptions(allowed_hosts=frozenset({info["stream_host"]}))
    services = await build_real_services(lambda: None, channel_options=options)
    spec = spec_for(ENVIRONMENT_PROFILE, info["region"], ECHO_INSTANCE, TunnelKind.CUSTOM, 7)
    tunnel = await services.tunnels.open(spec)
    print(json.dumps({"session_id": tunnel.session_id, "port": tunnel.local_port}), flush=True)
    await asyncio.to_thread(sys.stdin.read)  # until the test closes stdin (or kills us)
    await services.tunnels.stop_all()
    await services.close()


def main() -> None:
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(session(json.loads(sys.argv[1])))


if __name__ == "__main__":
    main()
