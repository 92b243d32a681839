"""Instances built directly (no AWS, no demo server) for view tests, the views benchmark and
screenshots: deterministic for a seed, with the variety the table must show."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from ssmgui.core.instance import Instance, PingStatus, Platform
from ssmgui.core.tunnel import TunnelKind, TunnelSnapshot, TunnelState, TunnelStats, spec_for

PROFILES = ("prod", "staging", "dev")
REGIONS = ("eu-west-1", "us-east-1", "eu-central-1", "ap-southeast-2")
_ROLES = ("web", "api", "worker", "db", "cache", "batch", "search", "queue")
_WINDOWS_ROLES = ("rdp", "iis", "sql", "ad", "fileserver")
_AGENTS = ("3.3.987.0", "3.3.551.0", "3.2.1705.0", "3.0.161.0", "2.3.444.0")


def make_instance(
    instance_id: str = "i-0123456789abcdef0",
    name: str = "web-1",
    *,
    platform: Platform = Platform.LINUX,
    ping: PingStatus = PingStatus.ONLINE,
    agent: str = "3.3.987.0",
    ip: str = "10.0.0.10",
    profile: str = "prod",
    region: str = "eu-west-1",
    tags: tuple[tuple[str, str], ...] = (),
    state: str = "running",
) -> Instance:
    return Instance(
        instance_id=instance_id,
        name=name,
        platform=platform,
        ping_status=ping,
        agent_version=agent,
        private_ip=ip,
        public_ip="",
        profile=profile,
        region=region,
        account="111111111111",
        last_ping=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        state=state,
        tags=tags,
    )


def sample_instance(rng: random.Random, n: int, profile: str, region: str) -> Instance:
    windows = rng.random() < 0.25
    role = rng.choice(_WINDOWS_ROLES if windows else _ROLES)
    env = rng.choice(("prod", "stage", "dev"))
    online = rng.random() < 0.9
    name = f"{env}-{role}-{n % 40 + 1}" if rng.random() < 0.93 else ""
    tags = tuple(sorted({("env", env), ("team", rng.choice(("data", "web", "ops")))}))
    if name:
        tags = tuple(sorted((*tags, ("Name", name))))
    return make_instance(
        f"i-{rng.getrandbits(68):017x}",
        name,
        platform=Platform.WINDOWS if windows else Platform.LINUX,
        ping=PingStatus.ONLINE if online else rng.choice(list(PingStatus)[1:]),
        agent=rng.choice(_AGENTS) if rng.random() < 0.15 else _AGENTS[0],
        ip=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
        profile=profile,
        region=region,
        tags=tags,
        state="running" if online else rng.choice(("stopped", "running")),
    )


def sample_fleet(count: int, seed: int = 7) -> dict[tuple[str, str], list[Instance]]:
    """`count` instances spread over PROFILES × REGIONS, keyed by (profile, region)."""
    rng = random.Random(seed)
    keys = [(profile, region) for profile in PROFILES for region in REGIONS]
    fleet: dict[tuple[str, str], list[Instance]] = {key: [] for key in keys}
    for n in range(count):
        key = keys[n % len(keys)]
        fleet[key].append(sample_instance(rng, n, *key))
    return fleet


def sample_snapshot(
    tunnel_id: int,
    state: TunnelState = TunnelState.READY,
    *,
    kind: TunnelKind = TunnelKind.RDP,
    bytes_down: int = 0,
    detail: str = "",
) -> TunnelSnapshot:
    spec = spec_for("prod", "eu-west-1", f"i-0123456789abcde{tunnel_id:02x}", kind)
    return TunnelSnapshot(
        tunnel_id=tunnel_id,
        spec=spec,
        state=state,
        local_port=55000 + tunnel_id,
        mode="multiplexed",
        stats=TunnelStats(
            bytes_up=bytes_down // 9, bytes_down=bytes_down, open_connections=1, total_connections=3
        ),
        uptime_s=3725.0,
        detail=detail,
    )
