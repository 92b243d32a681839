"""Whether the GUI can open a window at all, asked before Qt is: on Linux without any
display Qt aborts the process (a core dump, exit 134) with a hint about xcb plugins that
sends people looking for missing libraries."""

from __future__ import annotations

import sys
from collections.abc import Mapping

NO_DISPLAY = (
    "ssmgui: no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set). "
    "In a terminal, use the commands instead: `ssmgui list`, `ssmgui connect …` "
    "(`ssmgui --help` lists them), or `ssmgui --demo --check` for the headless self-check."
)


def display_problem(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why no window can be opened with `env` on `platform`, or None when one may be.

    Only Linux and the BSDs need a display server named in the environment; Windows and
    macOS always have their own. QT_QPA_PLATFORM (offscreen, vnc, eglfs…) is the person's
    choice of somewhere else to draw, so it is trusted."""
    if platform in ("win32", "darwin", "cygwin"):
        return None
    if env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return NO_DISPLAY
