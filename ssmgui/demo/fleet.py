"""A seeded, realistic demo fleet for the inventory: SSM nodes and their EC2 twins.

`build_fleet(seed, count, region=..., account=..., environment=...)` is deterministic: the
same arguments give the same ids, names, platforms and states. A profile named for an
environment (`demo-prod`, `demo-staging`, `demo-dev`) holds only that environment's
instances — `sql-prod-006` is never listed under demo-dev — as a person's accounts do.
About a quarter are Windows, one in ten is offline (stopped), a few are hybrid `mi-` nodes
(SSM only, named by their activation), some have no Name tag, some run agents too old for
port forwarding or multiplexing, and reservations hold one to four instances.

`DemoFleet` runs one fake SSM API (`FakeAws`) and one `FakeEc2` per (profile, region) —
each profile standing for its own account — sharing one `Faults`, so latency applies to
every call. `python -m ssmgui.demo.fleet` serves it and prints the endpoints as one JSON
line (the benchmark runs it in its own process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from ssmgui.demo.ec2.server import FakeEc2, FakeEc2Instance
from ssmgui.demo.ec2.windows_key import DEMO_KEY_NAME
from ssmgui.demo.faults import Faults
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.stopping import stop_each
from ssmgui.demo.world import FakeAws

DEMO_REGIONS = (
    "eu-west-1",
    "us-east-1",
    "eu-central-1",
    "us-west-2",
    "ap-southeast-2",
    "ap-northeast-1",
    "ca-central-1",
    "sa-east-1",
)
DEMO_PROFILES = ("demo-prod", "demo-staging", "demo-dev")
_ROLES = ("web", "api", "worker", "db", "cache", "batch", "search", "queue")
_WINDOWS_ROLES = ("rdp", "iis", "sql", "ad", "fileserver")
_ENVS = ("prod", "stage", "dev")
#: The environment a profile's name says (its last word), as instance names spell it.
_PROFILE_ENVS = {"prod": "prod", "production": "prod", "staging": "stage", "stage": "stage",
                 "dev": "dev", "development": "dev"}  # fmt: skip
_OLD_AGENTS = ("2.3.444.0", "3.0.161.0", "3.0.196.0")


@dataclass(frozen=True)
class FleetMember:
    """One node: what SSM knows, and what EC2 knows (None for hybrid `mi-` nodes)."""

    ssm: FakeInstance
    ec2: FakeEc2Instance | None


def account_for(profile_index: int) -> str:
    return f"{profile_index + 1}" * 12


def environment_of(profile: str) -> str | None:
    """The environment `profile`'s name says ("demo-staging" → "stage"); None if none."""
    return _PROFILE_ENVS.get(profile.rsplit("-", 1)[-1].lower())


def build_fleet(
    seed: int, count: int, *, region: str, account: str, environment: str | None = None
) -> list[FleetMember]:
    """`count` deterministic members for one (account, region); every name (and
    Environment tag) in `environment` if given, else in a random one each."""
    rng = random.Random(f"{seed}:{account}:{region}")
    members: list[FleetMember] = []
    reservation, left_in_reservation = "", 0
    for n in range(count):
        if left_in_reservation == 0:
            reservation = f"r-{rng.getrandbits(68):017x}"
            left_in_reservation = rng.choice((1, 1, 1, 2, 3, 4))
        left_in_reservation -= 1
        members.append(_member(rng, n, account, reservation, environment))
    return members


def _member(
    rng: random.Random, n: int, account: str, reservation: str, environment: str | None
) -> FleetMember:
    windows = rng.random() < 0.25
    hybrid = rng.random() < 0.04
    offline = rng.random() < 0.10
    role = rng.choice(_WINDOWS_ROLES if windows else _ROLES)
    drawn = rng.choice(_ENVS)  # drawn either way: every other draw stays as it was
    name = f"{role}-{environment or drawn}-{n:03d}"
    private_ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    agent = rng.choice(_OLD_AGENTS) if rng.random() < 0.05 else "3.3.1142.0"
    prefix = "mi-" if hybrid else "i-"
    ssm = FakeInstance(
        f"{prefix}{rng.getrandbits(68):017x}",
        name=name if hybrid else "",  # SSM names only hybrid nodes; EC2 has the Name tag
        platform="Windows" if windows else "Linux",
        ping_status="ConnectionLost" if offline else "Online",
        agent_version=agent,
        ip_address=private_ip,
    )
    if hybrid:
        return FleetMember(ssm, None)
    tags = {"Environment": name.split("-")[1], "Team": rng.choice(("ops", "data", "web"))}
    if rng.random() >= 0.05:  # a few instances nobody named
        tags["Name"] = name
    public = rng.random() < 0.2
    ec2 = FakeEc2Instance(
        ssm.instance_id,
        reservation,
        owner_id=account,
        state="stopped" if offline else "running",
        platform="windows" if windows else "",
        private_ip=private_ip,
        public_ip=f"203.0.113.{rng.randrange(1, 255)}" if public else "",
        tags=tags,
    )
    if windows:
        ec2.key_name, ec2.password = windows_password(ssm.instance_id, n)
    return FleetMember(ssm, ec2)


def windows_password(instance_id: str, n: int) -> tuple[str, str]:
    """A Windows member's key pair and password; every fourth one was launched minutes ago
    and has no password yet. Made from the id, not the fleet's random numbers, so every
    other member stays as it was."""
    password = "" if n % 4 == 3 else f"Demo!{instance_id[-6:]}"
    return DEMO_KEY_NAME, password


def populate(fake: FakeAws, ec2: FakeEc2 | None, members: list[FleetMember]) -> None:
    """Register every member with the fake SSM API and (EC2 members) the fake EC2."""
    for member in members:
        fake.add_instance(member.ssm)
        if ec2 is not None and member.ec2 is not None:
            ec2.add(member.ec2)


@dataclass(frozen=True)
class PairEndpoints:
    """Where one (profile, region) of the demo fleet is served."""

    profile: str
    region: str
    account: str
    ssm_url: str
    ec2_url: str
    count: int


#: From EC2's "running" to the agent's first ping: a booting instance's agent connects a
#: little after the instance runs (minutes on AWS; short here so the demo shows each step).
AGENT_ONLINE_DELAY_S = 1.5


def agent_online_soon(
    fake: FakeAws, delay_s: float = AGENT_ONLINE_DELAY_S
) -> Callable[[str], None]:
    """What the fleet does when EC2 has started an instance: its agent is Online in the
    fake SSM `delay_s` later (demo/ec2/server.py, StartInstances)."""

    def started(instance_id: str) -> None:
        instance = fake.instances.get(instance_id)
        if instance is not None:
            asyncio.get_running_loop().call_later(
                delay_s, setattr, instance, "ping_status", "Online"
            )

    return started


class DemoFleet:
    """Fake SSM + EC2 per (profile, region) of a seeded fleet; `async with` to run it."""

    def __init__(
        self,
        profiles: tuple[str, ...] = DEMO_PROFILES,
        regions: tuple[str, ...] = DEMO_REGIONS[:3],
        per_pair: int = 60,
        seed: int = 1,
        faults: Faults | None = None,
        *,
        accounts: tuple[str, ...] = (),
    ) -> None:
        """`accounts`: each profile's account id, in order (default: `account_for`)."""
        self.faults = faults or Faults()
        self.profiles, self.regions = profiles, regions
        self.accounts = accounts
        self.per_pair, self.seed = per_pair, seed
        self.ssm: dict[tuple[str, str], FakeAws] = {}
        self.ec2: dict[tuple[str, str], FakeEc2] = {}
        self.endpoints: dict[tuple[str, str], PairEndpoints] = {}

    async def start(self) -> None:
        for index, profile in enumerate(self.profiles):
            account = self.accounts[index] if self.accounts else account_for(index)
            for region in self.regions:
                fake = FakeAws(faults=self.faults, region=region, sigv4="off")
                ec2 = FakeEc2(self.faults)
                self.ssm[profile, region], self.ec2[profile, region] = fake, ec2
                await fake.start()
                await ec2.start()
                members = build_fleet(
                    self.seed,
                    self.per_pair,
                    region=region,
                    account=account,
                    environment=environment_of(profile),
                )
                populate(fake, ec2, members)
                ec2.started.append(agent_online_soon(fake))
                self.endpoints[profile, region] = PairEndpoints(
                    profile, region, account, fake.api_url, ec2.url, len(members)
                )

    async def stop(self) -> None:
        """Stop every fake, even when one fails (see stop_each)."""
        stops = [fake.stop for fake in self.ssm.values()] + [e.stop for e in self.ec2.values()]
        await stop_each("the demo fleet", stops)

    async def __aenter__(self) -> DemoFleet:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


async def _serve(args: argparse.Namespace) -> None:
    faults = Faults(latency_s=args.latency_ms / 1000)
    fleet = DemoFleet(
        DEMO_PROFILES[: args.profiles] if args.profiles <= 3 else _profiles(args.profiles),
        DEMO_REGIONS[: args.regions],
        args.per_pair,
        args.seed,
        faults,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with fleet:
        pairs = [vars(endpoint) for endpoint in fleet.endpoints.values()]
        print(json.dumps({"pairs": pairs}), flush=True)
        await stop.wait()


def _profiles(count: int) -> tuple[str, ...]:
    return tuple(f"demo-{n}" for n in range(count))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ssmgui.demo.fleet", description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="one-way latency")
    parser.add_argument("--profiles", type=int, default=3)
    parser.add_argument("--regions", type=int, default=3, choices=range(1, 9))
    parser.add_argument("--per-pair", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
