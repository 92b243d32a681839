"""`ssmgui forward` and `ssmgui ssh-proxy`: tunnels from a terminal or an SSH ProxyCommand."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from ssmgui.cli.arguments import bind_address, region_name
from ssmgui.cli.identity_commands import identity_service
from ssmgui.cli.sessions import (
    chosen_profile,
    chosen_region,
    controlling_terminal_prompt,
    data_safe_prompt,
    demo_world,
    session_api,
)
from ssmgui.core.errors import ConfigurationError
from ssmgui.core.tunnel import SessionRequest, port_forwarding_request, ssh_session_request
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.launch.instance_connect import (
    InstanceConnect,
    check_supported,
    default_public_key,
    public_key_text,
)
from ssmgui.services.tunnels.engines.native import open_port_tunnel, run_stdio_tunnel
from ssmgui.services.tunnels.leftover_sessions import sweep_meanwhile
from ssmgui.services.tunnels.session_record import SessionRecord
from ssmgui.ssm.channel import ChannelOptions
from ssmgui.ssm.session import LOOPBACK_HOSTS, LocalListener, PortSession


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    forward = subparsers.add_parser(
        "forward",
        help="forward a local port to a port on an instance (or a host behind it)",
        description="Open a port-forwarding session and keep it until Ctrl-C.",
    )
    forward.add_argument("instance", help="instance id (i-… or mi-…)")
    forward.add_argument("--remote-port", type=int, required=True, help="port on the instance")
    forward.add_argument("--local-port", type=int, default=0, help="0 = any free port")
    forward.add_argument("--host", help="a host reached from the instance (RDS, another server)")
    forward.add_argument(
        "--bind",
        action="append",
        type=bind_address,
        metavar="ADDRESS",
        help="local address to listen on (default 127.0.0.1 and ::1; 0.0.0.0 shares the "
        "tunnel with your whole network)",
    )
    add_aws_options(forward)
    forward.set_defaults(handler=run_forward)

    proxy = subparsers.add_parser(
        "ssh-proxy",
        help="an OpenSSH ProxyCommand: ssh -o ProxyCommand='ssmgui ssh-proxy %%h %%p' i-…",
        description="Carry an SSH connection over AWS-StartSSHSession on stdin/stdout.",
    )
    proxy.add_argument("instance", help="instance id (ssh's %%h)")
    proxy.add_argument("port", type=int, nargs="?", default=22, help="ssh's %%p")
    add_push_key_options(proxy)
    add_aws_options(proxy)
    proxy.set_defaults(handler=run_ssh_proxy)


def add_push_key_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "EC2 Instance Connect (SSH with nothing placed on the instance)",
        "--push-key pushes the PUBLIC half of the key ssh logs in with to the instance for "
        "60 s (ec2-instance-connect:SendSSHPublicKey) just before ssh connects, so "
        "ssh/scp/sftp work without authorized_keys. In ~/.ssh/config: ProxyCommand ssmgui "
        "ssh-proxy %h %p --push-key --os-user %r. The private key stays with ssh.",
    )
    group.add_argument(
        "--push-key", action="store_true", help="push the public key before connecting"
    )
    group.add_argument(
        "--os-user",
        default="ec2-user",
        metavar="USER",
        help="the user ssh logs in as: put ssh's %%r here (default ec2-user)",
    )
    group.add_argument(
        "--public-key",
        type=Path,
        metavar="FILE.pub",
        help="the public half of ssh's IdentityFile (default: the first of "
        "~/.ssh/id_ed25519.pub, id_ecdsa.pub, id_rsa.pub, the keys ssh tries first)",
    )


def proxy_public_key(args: argparse.Namespace) -> str | None:
    """With --push-key, the public key to push (None without). Call it before any AWS
    call: a hybrid node or a missing key file is told first."""
    if not getattr(args, "push_key", False):
        return None
    check_supported(args.instance)
    return public_key_text(args.public_key or default_public_key())


def push_proxy_key(args: argparse.Namespace, identity: IdentityService, key: str | None) -> None:
    """Push `key` (from `proxy_public_key`) for --os-user; nothing when it is None.
    Blocking (boto3): run it in a worker thread."""
    if key is None:
        return
    profile = chosen_profile(args.profile)
    region = chosen_region(identity, profile, args.region)
    world = demo_world(args)
    connect = InstanceConnect(identity.session_for, world.endpoint_for if world else None)
    connect.push(profile, region, args.instance, args.os_user, key)


def add_aws_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("AWS")
    group.add_argument("--profile", help="AWS profile (default: the environment's)")
    group.add_argument("--region", type=region_name, help="AWS region (default: the profile's)")
    group.add_argument("--reason", help="session reason recorded in CloudTrail (1–256 chars)")
    group.add_argument(
        "--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL_SSM"), help=argparse.SUPPRESS
    )
    group.add_argument(
        "--allow-stream-host",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="accept a non-AWS data-channel host (the demo world and tests only)",
    )


def channel_options(args: argparse.Namespace) -> ChannelOptions:
    """--allow-stream-host, and under --demo the demo world's data channels."""
    world = demo_world(args)
    demo_hosts = world.stream_hosts if world is not None else frozenset()
    return ChannelOptions(allowed_hosts=frozenset(args.allow_stream_host) | demo_hosts)


def session_record(args: argparse.Namespace) -> SessionRecord | None:
    """Where this command's sessions are recorded, so a kill -9 leaves none open; none on
    the demo world, whose sessions end with this process."""
    return None if getattr(args, "demo", False) else SessionRecord()


def end_leftovers_meanwhile(args: argparse.Namespace, identity: IdentityService) -> None:
    """End the sessions crashed runs left open, beside this command's own start, never
    holding it up. If the command ends first, `asyncio.run` stops the waiting; the sweep is
    time-limited, and what it did not reach waits for a later start."""
    if not getattr(args, "demo", False):
        sweep_meanwhile(identity)


def run_forward(args: argparse.Namespace) -> int:
    hosts = tuple(args.bind) if args.bind else LOOPBACK_HOSTS
    if any(host in ("0.0.0.0", "::") for host in hosts):
        print(
            "ssmgui: warning: the tunnel listens on every network interface: anyone who can "
            "reach this computer can use it.",
            file=sys.stderr,
        )
    request = port_forwarding_request(
        args.instance,
        args.remote_port,
        args.local_port,
        remote_host=args.host,
        reason=args.reason,
    )
    with identity_service(args, data_safe_prompt()) as identity:
        return asyncio.run(_forward(args, identity, request, hosts))


async def _forward(
    args: argparse.Namespace,
    identity: IdentityService,
    request: SessionRequest,
    hosts: tuple[str, ...],
) -> int:
    stop = stop_on_termination_signals()
    end_leftovers_meanwhile(args, identity)
    # The port first: a busy or foreign address is told before anyone types an MFA code.
    listener = await LocalListener.bind(args.local_port, hosts)
    try:
        api = await session_api(args, identity)
    except BaseException:
        listener.close()
        raise
    tunnel = await open_port_tunnel(
        api, request, options=channel_options(args), listener=listener, record=session_record(args)
    )
    announce(tunnel, args.instance)
    ended = asyncio.ensure_future(tunnel.wait_closed())
    try:
        await asyncio.wait(
            {ended, asyncio.ensure_future(stop.wait())}, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        await tunnel.stop(reason="interrupted")
    error = ended.result() if ended.done() else None
    if error is not None:
        raise error
    return 0


def stop_on_termination_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGHUP, so those end the session cleanly.

    The plugin dies on SIGTERM without telling the service, leaving the session alive until
    the idle timeout; OpenSSH sends SIGHUP to its ProxyCommand when it exits. SIGINT stays
    with asyncio.run, which cancels the main task (the same clean stop, exit code 130).
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows
                loop.add_signal_handler(number, stop.set)
    return stop


def announce(tunnel: PortSession, instance: str) -> None:
    where = tunnel.handshake.properties.get("host") or instance
    port = tunnel.handshake.properties.get("portNumber", "?")
    print(
        f"Port {tunnel.local_port} opened for {where}:{port} "
        f"(session {tunnel.channel.session_id}, {tunnel.mode} mode).\n"
        f"Connect to 127.0.0.1:{tunnel.local_port}. Press Ctrl-C to stop.",
        flush=True,
    )


def run_ssh_proxy(args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        raise ConfigurationError(
            "ssh-proxy speaks SSH on stdin/stdout: use it as a ProxyCommand, e.g. "
            "ssh -o ProxyCommand='ssmgui ssh-proxy %h %p' ec2-user@i-0123456789abcdef0"
        )
    request = ssh_session_request(args.instance, args.port, reason=args.reason)
    # stdin carries SSH: an MFA code is asked on the controlling terminal, as ssh asks.
    with identity_service(args, controlling_terminal_prompt) as identity:
        return asyncio.run(_proxy(args, identity, request))


async def _proxy(
    args: argparse.Namespace, identity: IdentityService, request: SessionRequest
) -> int:
    key = proxy_public_key(args)
    end_leftovers_meanwhile(args, identity)
    api = await session_api(args, identity)
    await asyncio.to_thread(push_proxy_key, args, identity, key)
    error = await run_stdio_tunnel(
        api,
        request,
        sys.stdin.fileno(),
        sys.stdout.fileno(),
        options=channel_options(args),
        stop=stop_on_termination_signals(),
        record=session_record(args),
    )
    if error is not None:
        raise error
    return 0
