"""Figures a person reads about a live tunnel: transfer rates and how its client ended.

Pure functions over `TunnelSnapshot`s and exit codes, shared by the tunnels table and the
tray menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssmgui.core.tunnel import TunnelSnapshot

#: Exit statuses with a well-known meaning, per program (the basename of argv[0]).
_KNOWN_STATUSES: dict[tuple[str, int], str] = {
    ("ssh", 255): "ssh could not connect, or the connection dropped",
}


@dataclass(frozen=True)
class Throughput:
    """Bytes per second each way between two snapshots of one tunnel."""

    up_per_s: float = 0.0
    down_per_s: float = 0.0


def throughput(before: TunnelSnapshot | None, after: TunnelSnapshot) -> Throughput:
    """The rate each way from `before` to `after`, timed by their uptimes.

    Uptime is the tunnel's own clock (it keeps counting across reconnects and stops when the
    tunnel ends), so no wall clock is needed. No rate without an earlier snapshot of the same
    tunnel, when no time passed, or when a counter went backwards (never negative).
    """
    if before is None or before.tunnel_id != after.tunnel_id:
        return Throughput()
    seconds = after.uptime_s - before.uptime_s
    if seconds <= 0:
        return Throughput()
    up = after.stats.bytes_up - before.stats.bytes_up
    down = after.stats.bytes_down - before.stats.bytes_down
    return Throughput(max(up, 0) / seconds, max(down, 0) / seconds)


def client_exit_text(program: str, code: int, *, handed_off: bool = False) -> str:
    """How a client the app started ended, in words: "ssh closed normally", "xterm exited
    with status 255 — …", "xfreerdp was ended by signal 15".

    A handed-off opener (xdg-open, `open`, Windows Terminal) exits at once after passing the
    work to another program: status 0 says only that the hand-over worked."""
    name = program_name(program)
    if code == 0:
        return f"{name} handed over the connection" if handed_off else f"{name} closed normally"
    if code < 0:
        return f"{name} was ended by signal {-code}"
    meaning = _KNOWN_STATUSES.get((name, code))
    text = f"{name} exited with status {code}"
    return f"{text} — {meaning}" if meaning else text


def program_name(program: str) -> str:
    """`/usr/bin/ssh` → `ssh`; `C:\\Windows\\System32\\mstsc.exe` → `mstsc`."""
    base = program.replace("\\", "/").rsplit("/", 1)[-1]
    return base[:-4] if base.lower().endswith(".exe") else base
