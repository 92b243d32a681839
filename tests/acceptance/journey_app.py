"""One journey in the real app: `python -m tests.acceptance.journey_app <journey> <artifacts>`.

Starts the app exactly as `ssmgui --demo` does (`ssmgui.app.run(demo=True)`, argv
`ssmgui --demo`, the xcb platform) — or, for a journey with `demo=False`, as `ssmgui`
does, on the private HOME's AWS files (none unless the journey's `world` or the journey
itself writes them) — in a fresh private HOME (settings, log, cache, temp folders), then
runs the named journey (journeys/__init__.py) on the app's own event loop from `run`'s
`on_ready`. Screenshots go to <artifacts>. When the journey ends, the app is
quit as a person's Quit would (unless the journey quit it itself), and the last line on
stdout is one JSON object: the journey, whether it passed, its figures, the error.
Exit status 0 only when the journey passed and the app exited 0.

Needs a desktop: DISPLAY (and a tray host for tray journeys), see desktop.py.
`SSMGUI_JOURNEY_LAUNCHED_AT` (a time.time() value) says when the parent started this
process, so that "launch → first window" includes the interpreter's start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported at run time only once the private HOME is in place
    from ssmgui.app.services import AppServices
    from ssmgui.ui.controller import AppController
    from ssmgui.ui.main_surface import MainSurface
    from tests.acceptance.journeys import Journey
    from tests.acceptance.person import Person

JOURNEY_TIMEOUT_S = 70.0
QUIT_LIMIT_S = 15.0
LAUNCHED_AT = "SSMGUI_JOURNEY_LAUNCHED_AT"


@dataclass
class Outcome:
    passed: bool = False
    error: str = ""
    figures: dict[str, object] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)  # kept until done


def make_private_home() -> Path:
    """A fresh HOME with its XDG folders and TMPDIR, so the journey reads and writes none
    of the user's files and no other journey's (before anything reads the environment)."""
    home = Path(tempfile.mkdtemp(prefix="ssmgui-journey-home-"))
    folders = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local/share",
        "XDG_STATE_HOME": home / ".local/state",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_RUNTIME_DIR": home / "run",
        "TMPDIR": home / "tmp",
    }
    for name, folder in folders.items():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.environ[name] = str(folder)
    tempfile.tempdir = None  # re-read TMPDIR
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        del os.environ[name]  # the demo world sets its own; the real app reads ~/.aws
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return home


def main(argv: list[str]) -> int:
    launched_at = float(os.environ.get(LAUNCHED_AT) or time.time())
    name, artifacts = argv[0], Path(argv[1])
    artifacts.mkdir(parents=True, exist_ok=True)
    for old in artifacts.glob("*.png"):
        old.unlink()  # a previous run's steps
    home = make_private_home()
    try:
        outcome, rc = _run_app(name, artifacts, launched_at)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    report = {
        "journey": name,
        "passed": outcome.passed,
        "app_exit": rc,
        "figures": outcome.figures,
        "error": outcome.error,
    }
    print(json.dumps(report), flush=True)
    return 0 if outcome.passed and rc == 0 else 1


def _run_app(name: str, artifacts: Path, launched_at: float) -> tuple[Outcome, int]:
    # Qt and the app only now: the private HOME is in place before anything reads it.
    from ssmgui.app import run
    from tests.acceptance.journeys import JOURNEYS
    from tests.acceptance.person import Person

    journey = JOURNEYS[name]
    outcome = Outcome()

    people: list[Person] = []

    def on_ready(_controller: AppController, surface: MainSurface, _s: AppServices) -> None:
        people.append(Person(surface, artifacts, launched_at))
        task = asyncio.get_running_loop().create_task(_drive(journey, people[0], outcome))
        outcome.tasks.append(task)

    # As the `ssmgui` script starts it (WM_CLASS, argv): `ssmgui --demo`, or `ssmgui`.
    sys.argv = ["ssmgui", "--demo"] if journey.demo else ["ssmgui"]
    with journey.world() if journey.world is not None else contextlib.nullcontext():
        rc = run(demo=journey.demo, on_ready=on_ready)
    if outcome.tasks and not outcome.tasks[0].done():
        # The app ended while the journey still ran: fine after the journey's quitting
        # step (it was waiting to see the app go), a failure before it.
        outcome.tasks[0]._log_destroy_pending = False  # type: ignore[attr-defined]
        outcome.figures = people[0].figures
        outcome.passed = journey.ends_app and people[0].exit_expected
        if not outcome.passed:
            outcome.error = "the app quit before the journey ended"
    return outcome, rc


async def _drive(journey: Journey, person: Person, outcome: Outcome) -> None:
    from PySide6.QtWidgets import QApplication

    from tests.acceptance.person import JourneyError

    try:
        async with asyncio.timeout(JOURNEY_TIMEOUT_S):
            await journey.run(person)
        outcome.passed = True
    except JourneyError:  # it took its screenshot
        outcome.error = traceback.format_exc()
    except Exception:
        outcome.error = traceback.format_exc()
        try:
            await person.screenshot("failed")
        except Exception:
            traceback.print_exc()
    finally:
        outcome.figures = person.figures
    if outcome.passed and not journey.ends_app:
        person.note_listeners()  # quitting must close every one of them
        outcome.figures = person.figures
    if journey.ends_app and outcome.passed:
        # The journey quit the app: it must end by itself (this task is then cut off).
        await asyncio.sleep(QUIT_LIMIT_S)
        outcome.passed = False
        outcome.error = f"the app was still running {QUIT_LIMIT_S} s after the journey quit it"
    QApplication.quit()  # as a person's Quit: tunnels stopped, services closed


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
