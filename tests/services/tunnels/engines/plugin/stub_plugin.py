"""A stand-in for AWS's session-manager-plugin that plays its CLI contract for real.

The contract is docs/protocol.md §10.

Run as `python stub_plugin.py <resp> <region> StartSession <profile> <request> <endpoint>`.
It reads the StartSession response from the environment variable named in argv[1] (and
unsets it, like the plugin), connects to the fake AWS's StreamUrl with ssmgui's own data
channel (credentials from its environment, the fake's host allowed through
STUB_PLUGIN_ALLOWED_HOST), listens on the port the agent echoes back, relays each
connection, and prints exactly the plugin's stdout lines.

Environment knobs:
  STUB_PLUGIN_VERSION  what `--version` prints (default 1.2.764.0)
  STUB_PLUGIN_MODE     "" | hang (print Starting, then nothing) | error (Cannot perform
                       start session) | crash (Go-like panic, exit 2) | deaf (accept, never
                       serve)
  STUB_PLUGIN_CONTROL  a file polled every 50 ms; writing "deaf" into it turns this run
                       deaf (the file is consumed, so a restarted stub serves again)
Signals: SIGINT → TerminateSession (flag and API, as our DataChannel does) and the exit
lines; SIGTERM is not handled, like the real plugin: the process dies, the session lives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path

PREFIX = "AWS_SSM_START_SESSION_RESPONSE"


def say(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def read_response(argument: str) -> dict[str, str]:
    if argument.startswith(PREFIX):
        raw = os.environ.pop(argument, "")
        return dict(json.loads(raw))
    return dict(json.loads(argument))


class Relay:
    def __init__(self, session_id: str, internal_port: int) -> None:
        self.session_id = session_id
        self.internal_port = internal_port
        self.deaf = os.environ.get("STUB_PLUGIN_MODE") == "deaf"
        self.accepted = False
        self.held: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.accepted:
            self.accepted = True
            say(f"\nConnection accepted for session [{self.session_id}]\n")
        if self.deaf:  # §12: accepted, never served, never closed
            self.held.append(writer)
            with contextlib.suppress(OSError):
                while await reader.read(1 << 16):
                    pass
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.internal_port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def watch_control(self) -> None:
        path = os.environ.get("STUB_PLUGIN_CONTROL")
        if not path:
            return
        control = Path(path)
        while True:
            await asyncio.sleep(0.05)
            with contextlib.suppress(FileNotFoundError):
                command = control.read_text().strip()
                control.unlink()
                self.deaf = self.deaf or command == "deaf"


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    writer.close()


async def relay(response: dict[str, str], region: str, endpoint_url: str) -> None:
    import boto3

    from ssmgui.services.tunnels.session_api import session_api_for
    from ssmgui.ssm.channel import ChannelOptions, StreamEndpoint
    from ssmgui.ssm.session import LocalListener, PortSession

    sid = response["SessionId"]
    api = session_api_for(boto3.Session(region_name=region), endpoint_url=endpoint_url)
    endpoint = StreamEndpoint(sid, response["TokenValue"], response["StreamUrl"])
    options = ChannelOptions(allowed_hosts=frozenset({os.environ["STUB_PLUGIN_ALLOWED_HOST"]}))
    internal = await LocalListener.bind(0, ("127.0.0.1",))
    session = await PortSession.start(endpoint, api, internal, options)
    relay = Relay(sid, internal.port)
    port = int(session.handshake.properties.get("localPortNumber") or 0)
    server = await asyncio.start_server(relay.handle, "127.0.0.1", port)
    port = server.sockets[0].getsockname()[1]
    interrupted = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, interrupted.set)
    say(f"Port {port} opened for sessionId {sid}.\n")
    say("\nWaiting for connections...\n")
    control = asyncio.get_running_loop().create_task(relay.watch_control())
    ended = asyncio.get_running_loop().create_task(session.wait_closed())
    signalled = asyncio.get_running_loop().create_task(interrupted.wait())
    await asyncio.wait({ended, signalled}, return_when=asyncio.FIRST_COMPLETED)
    control.cancel()
    server.close()
    if signalled.done():
        say("Terminate signal received, exiting.\n")
        await session.stop("signal")  # flag 2 + TerminateSession, like the plugin
        say(f"\n\nExiting session with sessionId: {sid}.\n\n")
        return
    error = ended.result()
    await session.stop("closed")
    if error is not None:
        say(f"\n\nSessionId: {sid} : {error.user_message}\n\n")
    else:
        say(f"\n\nExiting session with sessionId: {sid}.\n\n")


def main(argv: list[str]) -> int:
    if argv[1:] == ["--version"]:
        say(os.environ.get("STUB_PLUGIN_VERSION", "1.2.764.0") + "\n")
        return 0
    if len(argv) != 7:
        say(
            "\nSessionManagerPlugin is installed successfully. "
            "Use the AWS CLI to start a session.\n\n"
        )
        return 0
    response = read_response(argv[1])
    request = json.loads(argv[5])
    if not isinstance(request.get("Target"), str):
        sys.stderr.write("panic: interface conversion: interface {} is nil, not string\n")
        return 2
    mode = os.environ.get("STUB_PLUGIN_MODE", "")
    say(f"\nStarting session with SessionId: {response['SessionId']}\n")
    if mode == "hang":  # §10: WebSocket cannot open → no output, no exit
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # hung in a dial: deaf to Ctrl-C too
        while True:
            signal.pause()
    if mode == "error":
        say("Cannot perform start session: stub was told to fail (fault injection)\n")
        return 0  # §10: 0 even on errors
    if mode == "crash":
        sys.stderr.write(
            "panic: runtime error: invalid memory address or nil pointer dereference\n"
            "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6b0c9a]\n\n"
            "goroutine 1 [running]:\nmain.main()\n"
        )
        return 2
    asyncio.run(relay(response, argv[2], argv[6]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
