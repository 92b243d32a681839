"""Rates from successive snapshots, and a client's end in words."""

from __future__ import annotations

import dataclasses

from ssmgui.core.tunnel import TunnelKind, TunnelSnapshot, TunnelState, TunnelStats, spec_for
from ssmgui.core.tunnel_figures import Throughput, client_exit_text, program_name, throughput

SPEC = spec_for("prod", "eu-west-1", "i-0123456789abcdef0", TunnelKind.SSH)


def sample(up: int, down: int, uptime: float, tunnel_id: int = 1) -> TunnelSnapshot:
    return TunnelSnapshot(
        tunnel_id, SPEC, TunnelState.READY, 55001,
        stats=TunnelStats(bytes_up=up, bytes_down=down), uptime_s=uptime,
    )  # fmt: skip


def test_the_rate_is_the_bytes_moved_over_the_uptime_between_two_samples() -> None:
    assert throughput(sample(0, 0, 10.0), sample(2048, 8192, 12.0)) == Throughput(1024, 4096)


def test_no_rate_without_an_earlier_sample_of_the_same_tunnel_or_without_time() -> None:
    now = sample(100, 100, 5.0)
    assert throughput(None, now) == Throughput()
    assert throughput(sample(0, 0, 4.0, tunnel_id=2), now) == Throughput()
    assert throughput(now, now) == Throughput()
    assert throughput(sample(0, 0, 6.0), now) == Throughput()  # the clock went back


def test_a_counter_that_went_back_gives_no_negative_rate() -> None:
    before = sample(5000, 5000, 1.0)
    after = dataclasses.replace(sample(10, 7000, 2.0))
    assert throughput(before, after) == Throughput(0.0, 2000.0)


def test_a_client_end_in_words() -> None:
    assert client_exit_text("/usr/bin/ssh", 0) == "ssh closed normally"
    assert client_exit_text("/usr/bin/ssh", 255) == (
        "ssh exited with status 255 — ssh could not connect, or the connection dropped"
    )
    assert client_exit_text("/usr/bin/xterm", 3) == "xterm exited with status 3"
    assert client_exit_text("xfreerdp", -15) == "xfreerdp was ended by signal 15"
    assert client_exit_text("/usr/bin/xdg-open", 0, handed_off=True) == (
        "xdg-open handed over the connection"
    )
    assert program_name(r"C:\Windows\System32\mstsc.exe") == "mstsc"
