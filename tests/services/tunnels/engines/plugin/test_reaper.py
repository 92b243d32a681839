"""The orphan record only ever stops processes that are provably the ones we launched."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import threading
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from ssmgui.services.process_identity import ProcessIdentity, describe
from ssmgui.services.tunnels.engines.plugin.reaper import ProcessRecord


@pytest.fixture
async def sleeper() -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec("sleep", "30")
    yield process
    if process.returncode is None:
        process.kill()
    await process.wait()


def test_identity_of_a_live_process_and_of_none() -> None:
    me = describe(os.getpid())
    assert me is not None and me.started > 0 and me.name
    assert describe(2**22 + 12345) is None


@pytest.mark.parametrize(
    "tamper",
    [
        {"started": -1.0},  # same pid, later reused by another process
        {"name": "firefox"},
    ],
)
async def test_a_reused_pid_is_never_killed(
    tmp_path: Path, sleeper: asyncio.subprocess.Process, tamper: dict[str, object]
) -> None:
    record = ProcessRecord(tmp_path)
    identity = describe(sleeper.pid)
    assert identity is not None
    forged = replace(identity, **tamper)  # type: ignore[arg-type]
    record.path.write_text(json.dumps([forged.__dict__]))
    assert record.reap(grace_s=0.5) == []
    assert sleeper.returncode is None
    await asyncio.sleep(0.1)
    assert sleeper.returncode is None
    assert record.entries() == []  # forgotten: it was not ours


async def test_a_matching_process_is_stopped(
    tmp_path: Path, sleeper: asyncio.subprocess.Process
) -> None:
    record = ProcessRecord(tmp_path / "state")
    record.add(sleeper.pid)
    assert [e.pid for e in record.entries()] == [sleeper.pid]
    assert await asyncio.to_thread(record.reap, 2.0) == [sleeper.pid]
    await asyncio.wait_for(sleeper.wait(), 5)  # gone (interrupted: sleep dies on SIGINT)
    assert record.entries() == []


def test_a_damaged_record_is_ignored(tmp_path: Path) -> None:
    record = ProcessRecord(tmp_path)
    record.path.write_text("{not json")
    assert record.entries() == []
    record.path.write_text(json.dumps([{"pid": "x"}]))
    assert record.entries() == []
    record.path.write_text(json.dumps([ProcessIdentity(1, 2.0, "n").__dict__]))
    assert record.entries() == [ProcessIdentity(1, 2.0, "n")]


def test_records_of_one_file_edited_from_many_threads_lose_nothing(tmp_path: Path) -> None:
    """Each engine has its own record of the same file, written from the loop and from the
    reaper's thread: concurrent edits must neither fail nor undo each other."""
    sleepers = [subprocess.Popen(["sleep", "30"]) for _ in range(6)]
    try:
        pids = [process.pid for process in sleepers]

        def churn(pid: int) -> None:
            record = ProcessRecord(tmp_path)  # an engine of its own
            for _ in range(15):
                record.add(pid)
                record.remove(pid)
            record.add(pid)

        threads = [threading.Thread(target=churn, args=(pid,)) for pid in pids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(e.pid for e in ProcessRecord(tmp_path).entries()) == sorted(pids)
        assert [p.name for p in tmp_path.iterdir()] == ["plugin-processes.json"]  # no leftovers
    finally:
        for process in sleepers:
            process.kill()
            process.wait()
