"""A secret on the clipboard from a terminal, for a while, then off it again.

The terminal has no clipboard of its own, so the desktop's tool holds it: `xclip` or `xsel`
on X11, `wl-copy` on Wayland (each kept in the foreground: it serves the clipboard until it
is stopped or something else is copied), `pbcopy` on macOS (one copy; cleared by copying
nothing). The secret reaches the tool on its stdin, never in its argv.
"""

from __future__ import annotations

import contextlib
import enum
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

Which = Callable[[str], str | None]
#: A tool that holds the clipboard stops at once when asked to; one that does not, in time.
STOP_WAIT_S = 5


@dataclass(frozen=True)
class ClipboardTool:
    """`argv` copies its stdin; `holds`: it serves the clipboard until stopped (the
    clipboard is empty once it stops, unless something else was copied meanwhile)."""

    name: str
    argv: tuple[str, ...]
    holds: bool = True


class Outcome(enum.Enum):
    CLEARED = "cleared"  # the time was up (or Ctrl+C): the secret is off the clipboard
    REPLACED = "replaced"  # something else was copied meanwhile: left alone
    FAILED = "failed"  # the tool could not hold it (no display, say): it is not there


def find_tool(
    environment: Mapping[str, str], which: Which, platform: str = sys.platform
) -> ClipboardTool | None:
    """The clipboard tool of this desktop, or None when there is none to use."""
    candidates: list[ClipboardTool] = []
    if environment.get("WAYLAND_DISPLAY"):
        candidates.append(
            ClipboardTool("wl-copy", ("wl-copy", "--foreground", "--type", "text/plain"))
        )
    if environment.get("DISPLAY"):
        candidates.append(ClipboardTool("xclip", ("xclip", "-selection", "clipboard", "-quiet")))
        candidates.append(ClipboardTool("xsel", ("xsel", "--clipboard", "--input", "--nodetach")))
    if platform == "darwin":
        candidates.append(ClipboardTool("pbcopy", ("pbcopy",), holds=False))
    for tool in candidates:
        path = which(tool.argv[0])
        if path is not None:
            return ClipboardTool(tool.name, (path, *tool.argv[1:]), tool.holds)
    return None


def hold_secret(
    tool: ClipboardTool,
    secret: str,
    seconds: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Copy `secret` with `tool`, wait `seconds` (Ctrl+C ends the wait early), then clear
    it — unless something else was copied meanwhile (a holding tool ends on its own then).
    `FAILED`: the tool ended with an error, so the secret was never on the clipboard."""
    process = _start(tool.argv, secret)
    try:
        if not tool.holds:
            process.wait(STOP_WAIT_S)
            sleep(seconds)
            _start(tool.argv, "").wait(STOP_WAIT_S)
            return Outcome.CLEARED
        try:
            code = process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return Outcome.CLEARED
        # A holding tool that loses the clipboard to another copy ends well; one that ends
        # badly never held it.
        return Outcome.REPLACED if code == 0 else Outcome.FAILED
    except KeyboardInterrupt:
        if not tool.holds:
            _start(tool.argv, "").wait(STOP_WAIT_S)
        return Outcome.CLEARED
    finally:
        _stop(process)


def _start(argv: Sequence[str], text: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603 - a clipboard tool found on PATH, no shell
        argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    assert process.stdin is not None
    # A tool that ends at once (no display) closes its stdin first: its exit code tells.
    with contextlib.suppress(BrokenPipeError):
        process.stdin.write(text.encode())
    with contextlib.suppress(BrokenPipeError):
        process.stdin.close()
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_WAIT_S)
