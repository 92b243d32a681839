"""The demo runs on the runtime dependencies alone: moto is a development dependency."""

from __future__ import annotations

import subprocess
import sys

_PROBE = (
    "import sys, ssmgui.cli.demo_world, ssmgui.demo.desktop.world, ssmgui.cli.demo_commands; "
    "print('moto' in sys.modules)"
)


def test_the_demo_world_of_the_gui_and_the_commands_never_imports_moto() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
