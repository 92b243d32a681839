"""What a command pays to start: the product's commands never load the demo world.

`ssmgui ssh-proxy` runs as an ssh ProxyCommand for every connection, so the modules it loads
are a cost every `ssh`/`scp` pays. The demo world (fake AWS, agents, fleets) is for demo
commands only.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LOADED_DEMO_MODULES = """
import json, sys
from ssmgui.cli import build_parser
build_parser()
print(json.dumps(sorted(m for m in sys.modules if m.startswith("ssmgui.demo"))))
"""


def demo_modules_loaded_by(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_command_line_loads_no_demo_module_until_a_demo_command_runs() -> None:
    assert demo_modules_loaded_by(LOADED_DEMO_MODULES) == []


@pytest.mark.parametrize("module", ["ssmgui.cli.demo_check", "ssmgui.demo.desktop.world"])
def test_the_probe_sees_demo_modules_when_they_are_loaded(module: str) -> None:
    """The check above can fail: loading a demo module shows up in the same probe."""
    code = LOADED_DEMO_MODULES.replace("build_parser()", f"build_parser(); import {module}")
    assert "ssmgui.demo.world" in demo_modules_loaded_by(code)
