"""Plugin-engine fixtures: the stub plugin run by this interpreter against the fake AWS."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from ssmgui.services.tunnels.engines.plugin.engine import PluginEngine, PluginTimings
from ssmgui.services.tunnels.engines.plugin.locator import PluginProgram, check_program
from ssmgui.services.tunnels.engines.plugin.reaper import ProcessRecord
from ssmgui.services.tunnels.engines.plugin.watchdog import ReplyProbe
from tests.tunnel_fixtures import World

STUB = Path(__file__).with_name("stub_plugin.py")
STUB_COMMAND = (sys.executable, str(STUB))
FAST = PluginTimings(ready_timeout_s=15.0, stop_grace_s=2.0, probe_interval_s=0.3, probe_failures=2)


@dataclass
class StubSource:
    """A ProgramSource for the stub, checked through the real `--version` gate."""

    version: str = "1.2.764.0"

    async def locate(self) -> PluginProgram:
        environ = {"PATH": os.environ.get("PATH", ""), "STUB_PLUGIN_VERSION": self.version}
        return await check_program(STUB_COMMAND, environ)


EngineFactory = Callable[..., PluginEngine]


@pytest.fixture
def make_engine(world: World, tmp_path: Path) -> EngineFactory:
    """make_engine(mode="", timings=FAST, control=None, version=…) → PluginEngine."""

    def make(
        mode: str = "",
        *,
        timings: PluginTimings = FAST,
        control: Path | None = None,
        version: str = "1.2.764.0",
        extra: Mapping[str, str] | None = None,
    ) -> PluginEngine:
        extra_env = {"STUB_PLUGIN_ALLOWED_HOST": world.fake.stream_host, "STUB_PLUGIN_MODE": mode}
        if control is not None:
            extra_env["STUB_PLUGIN_CONTROL"] = str(control)
        extra_env |= dict(extra or {})
        return PluginEngine(
            StubSource(version),
            record=ProcessRecord(tmp_path / "state"),
            timings=timings,
            probe=ReplyProbe(b"ssmgui-probe", timeout_s=0.5),
            extra_env=extra_env,
        )

    return make
