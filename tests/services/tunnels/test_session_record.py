"""Each live session is on disk, with no secret, from StartSession until it ends cleanly.

Real tunnels on the native engine against the fake AWS: the record follows what the
service knows — written when StartSession answers, removed when TerminateSession answers
or the service ends the session, kept when the service may still hold it.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from ssmgui.core.errors import SsmGuiError
from ssmgui.core.tunnel import port_forwarding_request, ssh_session_request
from ssmgui.demo.world import DEMO_SECRET_KEY
from ssmgui.services.process_identity import owner_tag, this_process
from ssmgui.services.tunnels.engines.native import open_port_tunnel, run_stdio_tunnel
from ssmgui.services.tunnels.session_record import RecordedSession, SessionRecord
from ssmgui.ssm.channel import ChannelOptions
from ssmgui.ssm.session import PortSession
from tests.tunnel_fixtures import ECHO_PORT, LINUX, World


async def recorded_tunnel(world: World, record: SessionRecord) -> PortSession:
    request = port_forwarding_request(LINUX, ECHO_PORT)
    return await open_port_tunnel(world.api, request, options=world.options(), record=record)


async def test_an_open_tunnel_is_recorded_without_secrets_then_forgotten_on_stop(
    world: World, tmp_path: Path
) -> None:
    record = SessionRecord(tmp_path / "sessions")
    tunnel = await recorded_tunnel(world, record)
    session_id = tunnel.session_id
    (entry,) = record.entries()
    me = this_process()
    assert entry == RecordedSession(
        session_id=session_id,
        profile="default",
        region="eu-west-1",
        endpoint_url=world.api.endpoint_url,
        owner_pid=me.pid,
        owner_started=me.started,
        started=entry.started,
    )
    assert record.path.name == f"{owner_tag(me)}.json"
    assert record.path.parent.stat().st_mode & 0o777 == 0o700
    text = record.path.read_text()
    assert DEMO_SECRET_KEY not in text
    assert set(json.loads(text)[0]) == {  # the token is not among them
        "session_id", "profile", "region", "endpoint_url", "owner_pid", "owner_started",
        "started",
    }  # fmt: skip
    await tunnel.stop()
    assert world.fake.sessions[session_id].terminated
    assert record.entries() == []
    assert not record.path.exists()  # a clean run leaves no file


async def test_a_session_the_service_ended_is_forgotten(world: World, tmp_path: Path) -> None:
    record = SessionRecord(tmp_path)
    tunnel = await recorded_tunnel(world, record)
    await world.fake.end_session(tunnel.session_id)
    await asyncio.wait_for(tunnel.wait_closed(), 10)
    await asyncio.sleep(0)  # the record's watch runs just after
    assert record.entries() == []
    await tunnel.stop()


async def test_a_session_whose_terminate_call_failed_stays_recorded(
    world: World, tmp_path: Path
) -> None:
    """Only the API's answer proves the session is over: a later run calls again."""
    record = SessionRecord(tmp_path)
    tunnel = await recorded_tunnel(world, record)
    world.fake.deny_actions.add("ssm:TerminateSession")
    await tunnel.stop()
    assert [e.session_id for e in record.entries()] == [tunnel.session_id]


async def test_a_tunnel_that_fails_to_open_leaves_no_session_and_no_entry(
    world: World, tmp_path: Path
) -> None:
    record = SessionRecord(tmp_path)
    request = port_forwarding_request(LINUX, ECHO_PORT)
    with pytest.raises(SsmGuiError):  # the fake's stream host is not admitted: no channel
        await open_port_tunnel(world.api, request, options=ChannelOptions(), record=record)
    assert world.fake.live_session_ids() == []
    assert record.entries() == []


async def test_a_standard_stream_session_is_recorded_while_it_runs(
    world: World, tmp_path: Path
) -> None:
    record = SessionRecord(tmp_path)
    to_agent, ours = os.pipe()
    theirs, from_agent = os.pipe()
    running = asyncio.ensure_future(
        run_stdio_tunnel(
            world.api, ssh_session_request(LINUX, ECHO_PORT), to_agent, from_agent,
            options=world.options(), record=record,
        )
    )  # fmt: skip
    try:
        os.write(ours, b"ping")
        echoed = await asyncio.wait_for(asyncio.to_thread(os.read, theirs, 4), 10)
        assert echoed == b"ping"
        (entry,) = record.entries()
        assert entry.session_id in world.fake.live_session_ids()
    finally:
        os.close(ours)  # end of input: the session ends
        error = await asyncio.wait_for(running, 10)
        for fd in (to_agent, theirs, from_agent):
            os.close(fd)
    assert error is None
    assert world.fake.live_session_ids() == []
    assert record.entries() == []


def test_records_of_one_process_share_its_file(tmp_path: Path) -> None:
    first, second = SessionRecord(tmp_path), SessionRecord(tmp_path)
    first.add("s-1", profile="p", region="eu-west-1", endpoint_url="")
    second.add("s-2", profile="p", region="eu-west-1", endpoint_url="")
    assert [e.session_id for e in first.entries()] == ["s-1", "s-2"]
    first.remove("s-2")
    assert [e.session_id for e in second.entries()] == ["s-1"]
    second.remove("s-1")
    assert list(tmp_path.iterdir()) == []


def test_damaged_entries_are_skipped(tmp_path: Path) -> None:
    record = SessionRecord(tmp_path)
    record.add("s-1", profile="p", region="eu-west-1", endpoint_url="")
    entries = json.loads(record.path.read_text())
    record.path.write_text(json.dumps([{"session_id": ""}, 7, *entries]))
    assert [e.session_id for e in record.entries()] == ["s-1"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a POSIX non-root user")
def test_an_unwritable_record_never_fails_the_tunnel(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tmp_path.chmod(0o500)
    try:
        SessionRecord(tmp_path / "sessions").add(
            "s-1", profile="p", region="eu-west-1", endpoint_url=""
        )
    finally:
        tmp_path.chmod(0o700)
    assert "cannot update the session record" in caplog.text
