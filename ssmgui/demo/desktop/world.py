"""The demo desktop world: everything `ssmgui --demo` shows, on loopback, in one process.

`await start_demo_desktop()` starts, in about half a second:

- a seeded fleet (`DemoFleet`): a fake SSM API + fake EC2 per (profile, region) for three
  profiles × three regions, some 40 instances each;
- a fake STS + IAM (`FakeSts`) that signs people in: `demo-prod` (IAM user keys + MFA),
  `demo-staging` (a role assumed from demo-prod with MFA: one code serves both) and
  `demo-dev` (keys, no MFA). MFA codes: any 6 digits; `000000` is refused like a wrong code;
- featured instances per profile, in its first region, tagged Team=demo (the filter
  `team=demo` shows them and nothing else), with real targets a newcomer can
  click: `demo-web` (the welcome page on ports 80 and 8080; tagged `ssmgui:action=http`, so
  a double-click opens it in the browser), `demo-rdp` (Windows, port
  3389 → an echo server: the tunnel works, but no real RDP server is embedded, so a
  Remote Desktop client will connect and then fail the RDP handshake), `demo-ssh` (port 22
  → a real SSH server, `ssh_server.py`, that logs in with a key pushed with EC2 Instance
  Connect in the last 60 s and serves the demo's shell on THIS computer; its host key is
  made per run and trusted by `known_hosts_file`), `demo-files` (port 9000 → the
  digest server the self-check moves bytes through; port 22 → an SSH server like
  demo-ssh's, so its double-click logs in too), `demo-offline` (ConnectionLost) and
  `demo-old-agent` (an agent too old for port forwarding);
- the demo's Windows key pair (`windows_key_file`, mode 0600, beside the AWS files): every
  demo Windows instance's password is encrypted for it (demo-rdp's is `DEMO_RDP_PASSWORD`);
  about one in four fleet Windows instances has none yet, as if just launched;
- an IAM Identity Center (`sso.py`): `[sso-session demo-sso]` and the profile
  `demo-sso-sandbox` on it (without it when `sso_profile=False`); four accounts with four
  instances each in the first region; a sign-in
  completes on the fake's own page and lasts 3 minutes, so its end and a new sign-in show;
- AWS files in a private temp directory (credentials mode 0600). botocore reads them from
  the environment: `apply_environment()` points `os.environ` at them (the GUI runs in one
  process) and returns the function that restores it; `stop()` restores it too.

The data channel verifies SigV4 (`FakeAws.sigv4 = "verify"`, unknown keys refused) with the
static demo keys and every credential the fake STS issues. The product never imports this
module: only composition roots (the CLI self-check, the GUI's demo mode) wire it in.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ssmgui.core.launch import ACTION_TAG
from ssmgui.demo.control.kms import DEMO_KEY_ALIAS
from ssmgui.demo.desktop import guide
from ssmgui.demo.desktop.files import (
    DEV,
    PROD,
    STAGING,
    AppliedEnvironment,
    DemoUsers,
    demo_environment,
    write_aws_files,
)
from ssmgui.demo.desktop.ssh_server import DemoSshServer, known_hosts_line, new_host_key
from ssmgui.demo.desktop.sso import DemoSso
from ssmgui.demo.desktop.targets import WelcomePage
from ssmgui.demo.ec2.server import FakeEc2Instance
from ssmgui.demo.ec2.windows_key import DEMO_KEY_FILE_NAME, DEMO_KEY_NAME, DEMO_WINDOWS_KEY_PEM
from ssmgui.demo.fleet import DEMO_REGIONS, DemoFleet, account_for
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.servers.targets import DigestServer, EchoServer
from ssmgui.demo.stopping import stop_each
from ssmgui.demo.sts.server import FakeSts

PROFILES = (PROD, STAGING, DEV)
REGIONS = DEMO_REGIONS[:3]
DEMO_PROD_ALIAS = "acme-production"  # demo-prod's account alias (iam:ListAccountAliases)
PER_PAIR = 40
OLD_AGENT = "2.3.444.0"
MFA_CODE_HINT = "any 6 digits (000000 shows a wrong code)"
#: Every featured instance has these tags, and no fleet instance has them: typing
#: `guide.FEATURED_FILTER` in the window's filter shows the featured instances only.
FEATURED_TAGS = {"Team": "demo", "Environment": "demo"}
#: demo-web opens its page on a double-click (the product's per-instance action tag);
#: demo-ssh and demo-old-agent keep SSH (demo-ssh's server logs in with the key the demo
#: pushes; demo-old-agent shows an old agent's refusal) whatever the person's SSH setup.
_ACTIONS = {
    "demo-web": {ACTION_TAG: "http"},
    "demo-ssh": {ACTION_TAG: "ssh"},
    "demo-old-agent": {ACTION_TAG: "ssh"},
}
#: The featured instances with an SSH server on port 22 (`ssh_server.py`).
SSH_SERVED = ("demo-ssh", "demo-files")
DEMO_RDP_PASSWORD = "Demo-Rdp-Pa55!"  # noqa: S105 - a fake instance's, shown by the demo


class _Server(Protocol):
    async def start(self) -> int: ...

    async def stop(self) -> None: ...


@dataclass
class _Targets:
    """The real servers behind featured instances; web pages are per profile."""

    echo: EchoServer = field(default_factory=EchoServer)
    digest: DigestServer = field(default_factory=DigestServer)
    web: dict[str, WelcomePage] = field(default_factory=dict)
    #: (profile, instance name) → its SSH server, for each of SSH_SERVED
    ssh: dict[tuple[str, str], DemoSshServer] = field(default_factory=dict)

    def _servers(self) -> list[_Server]:
        return [self.echo, self.digest, *self.ssh.values(), *self.web.values()]

    async def start(self) -> None:
        for server in self._servers():
            await server.start()

    async def stop(self) -> None:
        await stop_each("the demo targets", [server.stop for server in self._servers()])


class DemoDesktop:
    """A running demo world. See the module doc; `await stop()` closes everything."""

    mfa_code_hint = MFA_CODE_HINT
    welcome = guide.welcome(MFA_CODE_HINT)  # the GUI's first banner (guide.py)
    client_notes = guide.CLIENT_NOTES  # what clients cannot show here, said as they open

    def __init__(
        self, fleet: DemoFleet, sts: FakeSts, targets: _Targets, sso: DemoSso | None = None
    ) -> None:
        self.fleet, self.sts, self._targets = fleet, sts, targets
        self.sso = sso or DemoSso(REGIONS[0], fleet.seed)
        self.profiles: tuple[str, ...] = PROFILES
        self.featured: dict[str, str] = {}  # demo-prod's: name → instance id
        self.featured_by_profile: dict[str, dict[str, str]] = {}
        self.config_file = Path()
        self.credentials_file = Path()
        self.windows_key_file = Path()  # the private key of every demo Windows instance
        #: Trusts the SSH servers' host key of this run under their instance ids (ssh's
        #: HostKeyAlias), for ssh's UserKnownHostsFile: the person's own file is untouched.
        self.known_hosts_file = Path()
        self.environment: dict[str, str] = {}
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._applied: AppliedEnvironment | None = None

    @property
    def sts_endpoint(self) -> str:
        return self.sts.url

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every (profile, region) the demo serves, in profile order."""
        return tuple((p, r) for p in self.profiles for r in self.fleet.regions)

    @property
    def stream_hosts(self) -> frozenset[str]:
        """host:port of every fake data channel (for `ChannelOptions.allowed_hosts`)."""
        fakes = [*self.fleet.ssm.values(), *self.sso.fleet.ssm.values()]
        return frozenset(fake.stream_host for fake in fakes)

    def endpoint_for(self, profile: str, region: str, service: str) -> str | None:
        """The fake endpoint of `service` for (profile, region); None if the demo has none."""
        if service in ("sts", "iam"):
            return self.sts.url
        if service in ("sso", "sso-oidc"):
            return self.sso.url
        pair = self.fleet.endpoints.get((profile, region))
        if pair is None and (account := self.sso.fleet_key(profile)) is not None:
            pair = self.sso.fleet.endpoints.get((account, region))
        if pair is None:
            return None
        # KMS and EC2 Instance Connect are served on the SSM API's endpoint (JSON 1.1).
        on_ssm = {"ssm", "kms", "ec2-instance-connect"}
        return pair.ssm_url if service in on_ssm else {"ec2": pair.ec2_url}.get(service)

    def ssm_endpoint_for(self, profile: str, region: str) -> str | None:
        return self.endpoint_for(profile, region, "ssm")

    def apply_environment(self) -> Callable[[], None]:
        """Set `environment` in `os.environ` (removing variables that would reach the
        person's real AWS) until the returned function, or `stop()`, restores it."""
        if self._applied is None or self._applied.restored:
            self._applied = AppliedEnvironment(self.environment)
        return self._applied.restore

    async def stop(self) -> None:
        """Stop every server, restore the environment, remove the temp files. Idempotent.
        One part failing to stop does not leave the others running (see stop_each)."""
        if self._applied is not None:
            self._applied.restore()
        parts = [
            self.fleet.stop,
            self.sts.stop,
            self.sso.stop,
            self._targets.stop,
            self._remove_files,
        ]
        await stop_each("the demo desktop", parts)

    async def _remove_files(self) -> None:
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None


async def start_demo_desktop(
    *, seed: int = 7, directory: Path | None = None, sso_profile: bool = True
) -> DemoDesktop:
    """Start the demo world (module doc). `directory`: where to write the AWS files
    (default: a private temp directory removed by `stop()`); `sso_profile`: write the
    IAM Identity Center profile too (False: only its sso-session)."""
    host_key = new_host_key()
    targets = _Targets(
        web={p: WelcomePage("demo-web", p) for p in PROFILES},
        ssh={(p, name): DemoSshServer(host_key) for p in PROFILES for name in SSH_SERVED},
    )
    desktop = DemoDesktop(DemoFleet(PROFILES, REGIONS, PER_PAIR, seed), FakeSts(), targets)
    try:
        await targets.start()
        await desktop.fleet.start()
        await desktop.sts.start()
        await desktop.sso.start()
        users = _add_identities(desktop.sts)
        _secure_data_channel(desktop)
        for index, profile in enumerate(PROFILES):
            desktop.featured_by_profile[profile] = _add_featured(desktop, index, targets)
        desktop.featured = desktop.featured_by_profile[PROD]
        _write_files(desktop, users, directory, sso_profile)
    except BaseException:
        with contextlib.suppress(Exception):
            await desktop.stop()
        raise
    return desktop


def _add_identities(sts: FakeSts) -> DemoUsers:
    prod = sts.add_user(account_for(0), "demo-user")
    dev = sts.add_user(account_for(2), "demo-developer", mfa=False)
    role = sts.add_role(account_for(1), "demo-staging-admin", requires_mfa=True)
    # Labels name demo-prod's account by its alias; staging's role may not list aliases (as
    # a tight IAM policy would), so its id shows, and nothing fails.
    sts.account_aliases[account_for(0)] = DEMO_PROD_ALIAS
    sts.aliases_refused.add(account_for(1))
    return DemoUsers(prod, dev, role)


def _secure_data_channel(desktop: DemoDesktop) -> None:
    """SigV4 verified on every data channel, with exactly the keys the fake STS knows."""
    fakes = list(desktop.fleet.ssm.values())
    for fake in fakes:
        fake.sigv4, fake.accept_unknown_keys = "verify", False

    def register(access_key: str, secret: str) -> None:
        for fake in fakes:
            fake.credentials[access_key] = secret

    desktop.sts.subscribe(register)


def _add_featured(desktop: DemoDesktop, index: int, targets: _Targets) -> dict[str, str]:
    profile, region = PROFILES[index], REGIONS[0]
    web = targets.web[profile].address
    specs = [
        FakeInstance("", "demo-web", ports={80: web, 8080: web}),
        FakeInstance("", "demo-rdp", "Windows", ports={3389: targets.echo.address}),
        FakeInstance("", "demo-ssh", ports={22: targets.ssh[profile, "demo-ssh"].address}),
        FakeInstance(
            "",
            "demo-files",
            ports={9000: targets.digest.address, 22: targets.ssh[profile, "demo-files"].address},
            kms_key_id=DEMO_KEY_ALIAS,
        ),
        FakeInstance("", "demo-offline", ping_status="ConnectionLost"),
        FakeInstance("", "demo-old-agent", agent_version=OLD_AGENT),
    ]
    featured: dict[str, str] = {}
    for n, instance in enumerate(specs, start=1):
        instance.instance_id = f"i-0de{index}{n:013x}"
        instance.ip_address = f"10.0.{index + 1}.{10 + n}"
        instance.offers_shell = instance.platform == "Linux"  # `ssmgui shell` (agent_shell.py)
        desktop.fleet.ssm[profile, region].add_instance(instance)
        desktop.fleet.ec2[profile, region].add(_ec2_twin(instance, account_for(index), n))
        featured[instance.name] = instance.instance_id
    for name in SSH_SERVED:
        _let_in_pushed_keys(desktop, (profile, region), name, featured[name], targets)
    return featured


def _let_in_pushed_keys(
    desktop: DemoDesktop, pair: tuple[str, str], name: str, instance_id: str, targets: _Targets
) -> None:
    """`name`'s SSH server accepts the keys its region's fake EC2 Instance Connect holds for
    it (as sshd's AuthorizedKeysCommand reads them from the instance's metadata)."""
    connect = desktop.fleet.ssm[pair].instance_connect
    server = targets.ssh[pair[0], name]
    server.active_keys = lambda user: connect.active_keys(instance_id, user)


def _ec2_twin(instance: FakeInstance, account: str, n: int) -> FakeEc2Instance:
    return FakeEc2Instance(
        instance.instance_id,
        reservation_id=f"r-0de{n:014x}",
        owner_id=account,
        state="running" if instance.online else "stopped",
        platform="windows" if instance.platform == "Windows" else "",
        private_ip=instance.ip_address,
        tags={"Name": instance.name, **FEATURED_TAGS, **_ACTIONS.get(instance.name, {})},
        key_name=DEMO_KEY_NAME if instance.platform == "Windows" else "",
        password=DEMO_RDP_PASSWORD if instance.platform == "Windows" else "",
    )


def _write_files(
    desktop: DemoDesktop, users: DemoUsers, directory: Path | None, sso_profile: bool
) -> None:
    if directory is None:
        desktop._tempdir = tempfile.TemporaryDirectory(prefix="ssmgui-demo-desktop-")
        directory = Path(desktop._tempdir.name)
    directory.mkdir(parents=True, exist_ok=True)
    regions = {profile: REGIONS for profile in PROFILES}
    desktop.config_file, desktop.credentials_file = write_aws_files(
        directory, users, regions, desktop.sso.config_text(with_profile=sso_profile)
    )
    desktop.environment = demo_environment(
        desktop.config_file, desktop.credentials_file, desktop.sso.url
    )
    desktop.windows_key_file = directory / DEMO_KEY_FILE_NAME
    desktop.windows_key_file.touch(mode=0o600)
    desktop.windows_key_file.write_text(DEMO_WINDOWS_KEY_PEM)
    desktop.known_hosts_file = directory / "known_hosts"
    featured = desktop.featured_by_profile.values()
    ssh_ids = [ids[name] for ids in featured for name in SSH_SERVED]
    host_key = desktop._targets.ssh[PROD, SSH_SERVED[0]].host_key
    desktop.known_hosts_file.write_text(known_hosts_line(ssh_ids, host_key))
