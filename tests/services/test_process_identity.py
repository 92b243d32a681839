"""A process is named by pid and start time: a gone one is never mistaken for a live one."""

from __future__ import annotations

import os
import subprocess
import sys

from ssmgui.services.process_identity import (
    describe,
    is_running,
    owner_tag,
    tagged_owner_runs,
    this_process,
)


def sleeping_child() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])


def test_this_process_runs_and_its_tag_says_so() -> None:
    me = this_process()
    assert me.pid == os.getpid() and me.started > 0 and me.name
    assert is_running(me.pid, me.started)
    assert tagged_owner_runs(owner_tag(me)) is True


def test_a_process_that_exited_does_not_run_even_while_uncollected() -> None:
    child = sleeping_child()
    identity = describe(child.pid)
    assert identity is not None
    tag = owner_tag(identity)
    assert tagged_owner_runs(tag) is True
    child.kill()
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, still a zombie
    assert describe(child.pid) is None
    assert tagged_owner_runs(tag) is False
    child.wait()
    assert not is_running(identity.pid, identity.started)


def test_a_reused_pid_with_another_start_time_is_not_the_owner() -> None:
    me = this_process()
    assert not is_running(me.pid, me.started - 1.0)
    assert tagged_owner_runs(f"{me.pid}-{round(me.started * 1000) - 1000}") is False


def test_names_without_an_owner_tag_are_not_judged() -> None:
    for name in ("", "abc", "12", "12-", "-12", "1-2-3", "x1-2"):
        assert tagged_owner_runs(name) is None
