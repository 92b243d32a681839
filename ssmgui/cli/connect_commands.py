"""`ssmgui connect <instance> rdp|ssh|http|https`: tunnel, then client, in one command.

The tunnel is kept until the client exits — or, for clients that hand off to another
process (macOS `open`, browsers, Windows Terminal), until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import replace

from ssmgui.cli.identity_commands import identity_service
from ssmgui.cli.sessions import (
    API_CONFIG,
    checked_endpoint_url,
    chosen_profile,
    chosen_region,
    data_safe_prompt,
    demo_world,
    ssm_endpoint_for,
)
from ssmgui.cli.tunnel_commands import (
    add_aws_options,
    channel_options,
    end_leftovers_meanwhile,
    session_record,
    stop_on_termination_signals,
)
from ssmgui.core.errors import ConfigurationError
from ssmgui.core.tunnel import TunnelKind, TunnelSnapshot, TunnelSpec, spec_for
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.identity_facade import IdentityFacade
from ssmgui.services.launch.client_process import LaunchedClient
from ssmgui.services.launch.instance_connect import (
    EphemeralKey,
    InstanceConnect,
    PushedKeys,
    check_supported,
)
from ssmgui.services.launch.launcher import Launcher
from ssmgui.services.settings_store import SettingsService, SettingsStore
from ssmgui.services.tunnels.engines.native import NativeEngine
from ssmgui.services.tunnels.manager import TunnelManager

KINDS = ("rdp", "ssh", "http", "https")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    connect = subparsers.add_parser(
        "connect",
        help="open a tunnel and its client: Remote Desktop, an SSH terminal, or the browser",
    )
    connect.add_argument("instance", help="instance id (i-… or mi-…)")
    connect.add_argument("kind", choices=KINDS)
    connect.add_argument("--remote-port", type=int, help="default: the kind's usual port")
    connect.add_argument("--local-port", type=int, default=0, help="default: remembered/any")
    connect.add_argument(
        "--push-key",
        action="store_true",
        help="ssh: log in with a key made for this run, pushed to the instance for 60 s with "
        "EC2 Instance Connect (ec2-instance-connect:SendSSHPublicKey); nothing needs to be in "
        "authorized_keys (default: the 'Push a temporary key' setting)",
    )
    connect.add_argument(
        "--os-user", metavar="USER", help="ssh: the user to log in as (default: the settings')"
    )
    add_aws_options(connect)
    connect.set_defaults(handler=run_connect)


def run_connect(args: argparse.Namespace) -> int:
    # The demo never touches the person's settings (as in the GUI's demo).
    settings = SettingsService(None if getattr(args, "demo", False) else SettingsStore())
    checked_endpoint_url(args.endpoint_url)  # a bad one is told before any sign-in
    if args.push_key and args.kind != "ssh":
        raise ConfigurationError("--push-key is for ssh: EC2 Instance Connect pushes SSH keys.")
    pushing = args.kind == "ssh" and (args.push_key or settings.current.ssh_push_key)
    if pushing:
        check_supported(args.instance)  # a hybrid node is told before anything else
    with identity_service(args, data_safe_prompt()) as identity:
        profile = chosen_profile(args.profile)
        facade = IdentityFacade(
            identity, ssm_endpoint_for=ssm_endpoint_for(args), client_config=API_CONFIG
        )
        region = chosen_region(identity, profile, args.region)
        spec = spec_for(
            profile, region, args.instance, TunnelKind(args.kind), args.remote_port,
            local_port=args.local_port, reason=args.reason,
        )  # fmt: skip
        record = session_record(args)
        manager = TunnelManager(
            api_for=facade.api_for,
            engine=lambda: NativeEngine(channel_options(args), record=record),
            settings=settings,
        )
        world = demo_world(args)
        launcher = Launcher(
            notes=world.client_notes if world is not None else None,
            known_hosts=world.known_hosts_file if world is not None else None,
        )
        launcher.remove_leftovers()
        keys = _pushed_keys(args, identity) if pushing else None
        try:
            connecting = _connect(
                manager, spec, settings, launcher, args=args, identity=identity, keys=keys
            )
            return asyncio.run(connecting)
        finally:
            launcher.close()  # the .rdp folder, even when the client still runs
            if keys is not None:
                keys.close()  # the run's private key: ssh has read it by now


def _pushed_keys(args: argparse.Namespace, identity: IdentityService) -> PushedKeys:
    """The run's key pusher, for ssh to log in with a pushed key (crashed runs' key
    folders removed first)."""
    EphemeralKey.remove_leftovers()
    world = demo_world(args)
    return PushedKeys(InstanceConnect(identity.session_for, world.endpoint_for if world else None))


async def _connect(
    manager: TunnelManager,
    spec: TunnelSpec,
    settings: SettingsService,
    launcher: Launcher,
    *,
    args: argparse.Namespace,
    identity: IdentityService,
    keys: PushedKeys | None = None,
) -> int:
    stop = stop_on_termination_signals()
    end_leftovers_meanwhile(args, identity)
    chosen = settings.current.for_instance(spec.profile, spec.region, spec.instance_id)
    if args.os_user:
        chosen = replace(chosen, ssh_user=args.os_user)
    tunnel = await manager.open(spec)
    try:
        print(f"{spec.title}: tunnel ready on {tunnel.address}.", flush=True)
        key_file = None
        if keys is not None:  # just before ssh connects: the key is valid for 60 s
            where = (spec.profile, spec.region, spec.instance_id, chosen.ssh_user)
            key_file = await asyncio.to_thread(keys.key_for, *where)
            print(f"A key for {chosen.ssh_user} was pushed with EC2 Instance Connect.", flush=True)
        client = await launcher.open(
            spec.kind, tunnel.local_port, chosen,
            instance_id=spec.instance_id, title=spec.title, identity_file=key_file,
        )  # fmt: skip
        if client.note:  # the demo saying where it stops
            print(client.note, flush=True)
        await _hold(client, stop, tunnel)
    finally:
        await manager.stop_all()
    return 0


async def _hold(client: LaunchedClient, stop: asyncio.Event, tunnel: TunnelSnapshot) -> None:
    waits: set[asyncio.Future[object]] = {asyncio.ensure_future(stop.wait())}
    if client.handed_off:
        print(f"The client runs on its own; press Ctrl-C to close {tunnel.address}.", flush=True)
    else:
        waits.add(asyncio.ensure_future(client.wait()))
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await wait
