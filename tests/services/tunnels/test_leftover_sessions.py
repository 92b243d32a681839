"""Sessions that dead processes left open are ended at the next start, with no prompt.

Against the fake AWS on loopback, with a real identity service over AWS files in a temp
folder: `plain` has keys, `guarded` has keys and an MFA device (so ending its sessions would
need a code), `vanished` names no profile at all. Records are written as a killed process
leaves them: a file named by its dead owner.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path

import pytest

from ssmgui.core.credentials import MfaRequest
from ssmgui.core.tunnel import port_forwarding_request
from ssmgui.demo.world import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
from ssmgui.services.aws.clients import AwsClients
from ssmgui.services.identity.profiles import AwsFiles, load_profiles
from ssmgui.services.identity.secrets import SecretStore
from ssmgui.services.identity.service import IdentityService
from ssmgui.services.process_identity import ProcessIdentity, describe, owner_tag
from ssmgui.services.tunnels.leftover_sessions import (
    CLAIM_MARK,
    LONGEST_SESSION_S,
    end_leftover_sessions,
    end_leftovers_now,
)
from ssmgui.services.tunnels.record_file import RecordFile
from ssmgui.services.tunnels.session_record import RecordedSession, SessionRecord
from tests.tunnel_fixtures import ECHO_PORT, LINUX, World


class Prompt:
    """The identity service's MFA prompt: counts the times anyone was asked."""

    def __init__(self) -> None:
        self.asked: list[MfaRequest] = []

    def __call__(self, request: MfaRequest) -> str | None:
        self.asked.append(request)
        return None


def write_files(folder: Path, extra_config: str = "") -> AwsFiles:
    files = AwsFiles(folder / "config", folder / "credentials")
    folder.mkdir(parents=True, exist_ok=True)
    files.config.write_text(
        "[profile plain]\nregion = eu-west-1\n\n"
        "[profile guarded]\nregion = eu-west-1\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/someone\n\n" + extra_config
    )
    keys = f"aws_access_key_id = {DEMO_ACCESS_KEY}\naws_secret_access_key = {DEMO_SECRET_KEY}\n"
    files.credentials.write_text(f"[plain]\n{keys}\n[guarded]\n{keys}")
    return files


def identity_over(
    files: AwsFiles, prompt: Prompt, monkeypatch: pytest.MonkeyPatch, sts_url: str | None = None
) -> IdentityService:
    for key in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(files.config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(files.credentials))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return IdentityService(
        load_profiles=lambda: load_profiles(files, {}),
        store=SecretStore(None),
        clients=AwsClients(endpoint_url=sts_url),
        prompt=prompt,
        sso_cache_dir=files.config.parent / "sso",
    )


@pytest.fixture
def prompt() -> Prompt:
    return Prompt()


@pytest.fixture
def identity(tmp_path: Path, prompt: Prompt, monkeypatch: pytest.MonkeyPatch) -> IdentityService:
    return identity_over(write_files(tmp_path / "aws"), prompt, monkeypatch)


@pytest.fixture
def records(tmp_path: Path) -> Path:
    return tmp_path / "sessions"


def dead_process() -> ProcessIdentity:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    identity = describe(child.pid)
    child.kill()
    child.wait()
    assert identity is not None
    return identity


async def live_session(world: World) -> str:
    """A session the service holds, as a killed process leaves it (no WebSocket)."""
    endpoint = await world.api.start(port_forwarding_request(LINUX, ECHO_PORT))
    return endpoint.session_id


def leave_record(
    records: Path,
    owner: ProcessIdentity,
    sessions: list[str],
    *,
    world: World,
    profiles: list[str] | None = None,
    started: float | None = None,
    endpoint_url: str | None = None,
    name: str | None = None,
) -> Path:
    """The file `owner` leaves behind when it dies with `sessions` open (of `profiles`,
    one per session; default: all of "plain")."""
    entries = [
        asdict(
            RecordedSession(
                session_id=session_id,
                profile=profile,
                region="eu-west-1",
                endpoint_url=world.fake.api_url if endpoint_url is None else endpoint_url,
                owner_pid=owner.pid,
                owner_started=owner.started,
                started=time.time() if started is None else started,
            )
        )
        for session_id, profile in zip(sessions, profiles or ["plain"] * len(sessions), strict=True)
    ]
    path = records / (name or f"{owner_tag(owner)}.json")
    RecordFile(path).write(entries)
    return path


async def sweep(identity: IdentityService, records: Path) -> list[str]:
    """The session ids the sweep ended."""
    report = await end_leftover_sessions(identity, records, time_limit_s=20)
    assert report is not None
    return report.ended


async def test_a_dead_processs_sessions_are_ended_and_forgotten(
    world: World, identity: IdentityService, records: Path, prompt: Prompt
) -> None:
    first, second = await live_session(world), await live_session(world)
    leave_record(records, dead_process(), [first, second], world=world)
    assert sorted(await sweep(identity, records)) == sorted([first, second])
    assert world.fake.live_session_ids() == []
    assert list(records.iterdir()) == []
    assert prompt.asked == []


async def test_a_running_processs_sessions_are_left_alone(
    world: World, identity: IdentityService, records: Path
) -> None:
    mine = SessionRecord(records)
    ours = await live_session(world)
    mine.add(ours, profile="plain", region="eu-west-1", endpoint_url=world.fake.api_url)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        running = describe(sleeper.pid)
        assert running is not None
        theirs = await live_session(world)
        leave_record(records, running, [theirs], world=world)
        assert await sweep(identity, records) == []
    finally:
        sleeper.kill()
        sleeper.wait()
    assert sorted(world.fake.live_session_ids()) == sorted([ours, theirs])
    assert len(list(records.iterdir())) == 2


async def test_a_profile_that_needs_a_code_is_not_asked_and_its_sessions_wait(
    world: World, identity: IdentityService, records: Path, prompt: Prompt
) -> None:
    guarded, plain = await live_session(world), await live_session(world)
    path = leave_record(
        records, dead_process(), [guarded, plain], world=world, profiles=["guarded", "plain"]
    )
    report = await end_leftover_sessions(identity, records, time_limit_s=20)
    assert report is not None
    assert (report.ended, report.kept) == ([plain], [guarded])
    assert prompt.asked == []
    assert world.fake.live_session_ids() == [guarded]
    (kept,) = RecordFile(path).read()  # written back under its dead owner's name
    assert kept["session_id"] == guarded and list(records.iterdir()) == [path]


async def test_a_profile_that_is_gone_keeps_its_sessions(
    world: World, identity: IdentityService, records: Path
) -> None:
    session_id = await live_session(world)
    leave_record(records, dead_process(), [session_id], world=world, profiles=["vanished"])
    assert await sweep(identity, records) == []
    assert world.fake.live_session_ids() == [session_id]


async def test_a_refused_terminate_keeps_the_session_for_a_later_start(
    world: World, identity: IdentityService, records: Path
) -> None:
    session_id = await live_session(world)
    leave_record(records, dead_process(), [session_id], world=world)
    world.fake.deny_actions.add("ssm:TerminateSession")
    assert await sweep(identity, records) == []
    world.fake.deny_actions.clear()
    assert await sweep(identity, records) == [session_id]  # the next start
    assert world.fake.live_session_ids() == [] and list(records.iterdir()) == []


async def test_entries_too_old_or_to_untrusted_endpoints_are_forgotten_without_a_call(
    world: World, identity: IdentityService, records: Path
) -> None:
    old, elsewhere = await live_session(world), await live_session(world)
    owner = dead_process()
    long_ago = time.time() - LONGEST_SESSION_S - 60
    leave_record(records, owner, [old], world=world, started=long_ago)
    leave_record(records, dead_process(), [elsewhere], world=world,
                 endpoint_url="http://attacker.example:8080/")  # fmt: skip
    report = await end_leftover_sessions(identity, records, time_limit_s=20)
    assert report is not None
    assert sorted(report.dropped) == sorted([old, elsewhere]) and report.ended == []
    assert sorted(world.fake.live_session_ids()) == sorted([old, elsewhere])  # no call made
    assert list(records.iterdir()) == []


async def test_an_abandoned_claim_is_claimed_again(
    world: World, identity: IdentityService, records: Path
) -> None:
    session_id = await live_session(world)
    owner, claimer = dead_process(), dead_process()
    name = f"{owner_tag(owner)}.json{CLAIM_MARK}{owner_tag(claimer)}"
    leave_record(records, owner, [session_id], world=world, name=name)
    assert await sweep(identity, records) == [session_id]
    assert list(records.iterdir()) == []


async def test_concurrent_sweeps_end_each_session_once(
    world: World, identity: IdentityService, records: Path
) -> None:
    sessions = [await live_session(world) for _ in range(6)]
    for pair in (sessions[0:2], sessions[2:4], sessions[4:6]):
        leave_record(records, dead_process(), pair, world=world)
    reports = await asyncio.gather(
        *(asyncio.to_thread(end_leftovers_now, identity, records) for _ in range(4))
    )
    ended = [session_id for report in reports for session_id in report.ended]
    assert sorted(ended) == sorted(sessions)  # each once: a record is claimed by one sweep
    assert world.fake.live_session_ids() == [] and list(records.iterdir()) == []


@pytest.fixture
async def silent_sts() -> AsyncIterator[str]:
    """An endpoint that accepts connections and never answers: STS on a bad day."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    for writer in held:
        writer.close()
    server.close()


async def test_the_time_limit_holds_when_credentials_hang(
    world: World, tmp_path: Path, records: Path, prompt: Prompt,
    monkeypatch: pytest.MonkeyPatch, silent_sts: str,
) -> None:  # fmt: skip
    role = (
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\n"
        "source_profile = plain\nregion = eu-west-1\n"
    )
    identity = identity_over(write_files(tmp_path / "aws", role), prompt, monkeypatch, silent_sts)
    session_id = await live_session(world)
    leave_record(records, dead_process(), [session_id], world=world, profiles=["admin"])
    started = time.monotonic()
    assert await end_leftover_sessions(identity, records, time_limit_s=0.5) is None
    assert time.monotonic() - started < 2.0


async def test_an_unreadable_records_folder_is_no_error(
    identity: IdentityService, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    report = await end_leftover_sessions(identity, not_a_folder, time_limit_s=5)
    assert report is not None and report.ended == report.kept == report.dropped == []
