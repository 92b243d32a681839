"""FakeAws: the fake Session Manager service and agents on loopback, for tests, benchmarks
and `--demo` (docs/protocol.md §11). Everything binds 127.0.0.1: plain http:// and ws://, or
https:// and wss:// with a server-side TLS context (`tls`, e.g. from
`demo/servers/tls.py`'s throwaway CA; `stream_tls` gives the data-channel endpoint another).
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from types import TracebackType

from websockets.datastructures import Headers

from ssmgui.demo.channel.downlink import AgentTiming
from ssmgui.demo.channel.mgs import StreamConnection
from ssmgui.demo.channel.session import FakeSession
from ssmgui.demo.channel.sigv4 import MODES, check_upgrade
from ssmgui.demo.control.api import ApiServer
from ssmgui.demo.control.kms import FakeKms
from ssmgui.demo.control.plane import ControlPlane
from ssmgui.demo.ec2.instance_connect import ConnectTarget, FakeInstanceConnect
from ssmgui.demo.faults import Faults
from ssmgui.demo.instance import FakeInstance

log = logging.getLogger(__name__)

DEMO_ACCESS_KEY = "AKIADEMOEXAMPLE00001"
DEMO_SECRET_KEY = "demo-secret-key-not-real"  # noqa: S105 - a published fake, not a secret
TICK_S = 0.1  # §5: the resend scheduler wakes every 100 ms
TICKER_NAME = "FakeAws ticker"  # names the task, so tests can tell none is left running


class FakeAws:
    """The fake service. Configure the public attributes before or during a test.

    Attributes: faults, sigv4 ("off" | "present" | "verify"), region, credentials
    (access key id → secret), accept_unknown_keys, instances, sessions, deny_actions
    (e.g. {"ssm:StartSession"}), throttle (action → how many more calls answer
    ThrottlingException), unavailable (action → how many more calls answer HTTP 503
    ServiceUnavailable), repeat_next_token (DescribeInstanceInformation hands out the same
    NextToken forever), resume_returns_no_token (session ids), timing, rng.
    """

    def __init__(
        self,
        *,
        faults: Faults | None = None,
        sigv4: str = "verify",
        region: str = "eu-west-1",
        seed: int = 0,
        tls: ssl.SSLContext | None = None,
        stream_tls: ssl.SSLContext | None = None,
    ) -> None:
        if sigv4 not in MODES:
            raise ValueError(f"sigv4 must be one of {MODES}")
        self.faults = faults or Faults()
        self.sigv4 = sigv4
        self.region = region
        self.rng = random.Random(seed)
        self.credentials: dict[str, str] = {DEMO_ACCESS_KEY: DEMO_SECRET_KEY}
        self.accept_unknown_keys = True
        self.instances: dict[str, FakeInstance] = {}
        self.sessions: dict[str, FakeSession] = {}
        self.kms = FakeKms()  # data keys for instances with kms_key_id (docs/protocol.md §14)
        # SSH keys pushed with EC2 Instance Connect, read back by a test's sshd (§15)
        self.instance_connect = FakeInstanceConnect(self._connect_target)
        self.deny_actions: set[str] = set()
        self.throttle: dict[str, int] = {}
        self.unavailable: dict[str, int] = {}
        self.repeat_next_token = False
        self.resume_returns_no_token: set[str] = set()
        self.timing = AgentTiming()
        self.api_url = ""
        self.stream_host = ""
        self._stream_tls = stream_tls or tls
        self._api = ApiServer(
            ControlPlane(self).dispatch,
            lambda: self.faults.latency_s,
            tls=tls,
            metadata=self.instance_connect.metadata,
        )
        self._stream_server: asyncio.Server | None = None
        self._connections: set[StreamConnection] = set()
        self._ticker: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        await self._api.start()
        self.api_url = self._api.url
        loop = asyncio.get_running_loop()
        self._stream_server = await loop.create_server(
            self._new_connection, "127.0.0.1", 0, ssl=self._stream_tls
        )
        self.stream_host = f"127.0.0.1:{self._stream_server.sockets[0].getsockname()[1]}"
        self._ticker = loop.create_task(self._tick_forever(), name=TICKER_NAME)
        log.info("fake AWS: api %s, streams %s", self.api_url, self.stream_host)

    async def stop(self) -> None:
        """Close servers, WebSockets, targets and timers, and wait for the ticker to end.
        Idempotent. All of it is closed even if the ticker had already failed; that failure
        is raised afterwards."""
        ticker_failure = await self._stop_ticker()
        if self._stream_server is not None:
            self._stream_server.close()
        for connection in list(self._connections):
            connection.abort()
        for session in self.sessions.values():
            await session.wait_released()
            await session.release()
        await self._api.stop()
        if self._stream_server is not None:
            await self._stream_server.wait_closed()
            self._stream_server = None
        await asyncio.sleep(0)  # let transports run connection_lost
        if ticker_failure is not None:
            raise ticker_failure

    async def _stop_ticker(self) -> BaseException | None:
        """Cancel the ticker, wait until it has ended, and return how it failed, if it did.

        Not `await ticker` under suppress(CancelledError): a ticker that had already died
        re-raised its error there and stop() closed nothing else, and a cancellation of
        stop() itself was swallowed with the ticker's."""
        ticker, self._ticker = self._ticker, None
        if ticker is None:
            return None
        ticker.cancel()
        await asyncio.wait([ticker])
        return None if ticker.cancelled() else ticker.exception()

    async def __aenter__(self) -> FakeAws:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def _new_connection(self) -> StreamConnection:
        connection = StreamConnection(self, self._connections.discard)
        self._connections.add(connection)
        return connection

    async def _tick_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(TICK_S)
            now = loop.time()
            for session in list(self.sessions.values()):
                if not session.terminated:
                    session.tick(now)
            for connection in list(self._connections):
                connection.wake()

    # --- fleet and sessions ---------------------------------------------------------------

    def add_instance(self, instance: FakeInstance) -> FakeInstance:
        self.instances[instance.instance_id] = instance
        return instance

    def _connect_target(self, instance_id: str) -> ConnectTarget | None:
        """What EC2 Instance Connect knows of an instance: the fleet's; an offline one is
        taken as stopped, as the demo fleet's offline instances are (demo/fleet.py)."""
        instance = self.instances.get(instance_id)
        if instance is None:
            return None
        state = "running" if instance.online else "stopped"
        return ConnectTarget(state=state, platform=instance.platform)

    def stream_url(self, session_id: str) -> str:
        scheme = "wss" if self._stream_tls else "ws"
        return f"{scheme}://{self.stream_host}/v1/data-channel/{session_id}?role=publish_subscribe"

    def live_session_ids(self) -> list[str]:
        return [sid for sid, session in self.sessions.items() if not session.terminated]

    def check_upgrade(self, session_id: str, headers: Headers, path: str) -> str | None:
        """The SigV4 verdict on an upgrade request (None = accept); see sigv4.py."""
        session = self.sessions.get(session_id)
        region = session.region if session is not None else self.region
        lowered = {name.lower(): str(value) for name, value in headers.raw_items()}
        host = lowered.get("host") or self.stream_host
        return check_upgrade(
            self.sigv4,
            f"{'wss' if self._stream_tls else 'ws'}://{host}{path}",
            lowered,
            region=region,
            credentials=self.credentials,
            accept_unknown_keys=self.accept_unknown_keys,
        )

    # --- fault actions (§11 item 9) -------------------------------------------------------

    def _connections_of(self, session_id: str) -> list[StreamConnection]:
        return [
            c
            for c in self._connections
            if c.session is not None and c.session.session_id == session_id
        ]

    async def recycle(self, session_id: str, code: int = 1000, reason: str = "Bye") -> None:
        """Close the WebSocket gracefully (the hourly recycle); the session lives on."""
        for connection in self._connections_of(session_id):
            connection.close(code, reason)
        await asyncio.sleep(0)

    async def drop_connection(self, session_id: str) -> None:
        """Abort the TCP connection: no close frame."""
        for connection in self._connections_of(session_id):
            connection.abort()
        await asyncio.sleep(0)

    async def end_session(
        self,
        session_id: str,
        output: str = "Your session timed out due to inactivity and has been terminated.",
    ) -> None:
        """Service-side end: channel_closed with `output`, then close."""
        self.sessions[session_id].end(output)
        await self.sessions[session_id].wait_released()
