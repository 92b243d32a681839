"""Time from launch to the tray icon being visible in a real tray host (Xvfb + trayer).

Usage: python packaging/tray_visible_time.py LABEL=COMMAND [LABEL=COMMAND ...]
Each COMMAND (split on spaces) is started with `--demo` on a private X server with trayer
as the tray host; the time until an X window of class "ssmgui" the size of a tray icon
(≤ 64 px) becomes viewable is measured, three times, and the median reported. The last
line printed is one JSON object: {"<label>_s": median, ..., "ratio": first / second}.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROUNDS = 3
TIMEOUT_S = 60.0
ICON_MAX_PX = 64


def start_x() -> tuple[str, list[subprocess.Popen[bytes]]]:
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as announced:
        display = f":{announced.readline().strip()}"
    tray = subprocess.Popen(
        ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width",
         "200", "--height", "32", "--SetDockType", "true", "--transparent", "false",
         "--expand", "false"],
        env=os.environ | {"DISPLAY": display},
    )  # fmt: skip
    time.sleep(1.0)
    return display, [tray, server]


def tray_icon_visible(display: str) -> bool:
    env = os.environ | {"DISPLAY": display}
    found = subprocess.run(
        ["xdotool", "search", "--class", "ssmgui"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    for window in found.stdout.split():
        info = subprocess.run(
            ["xwininfo", "-id", window], env=env, capture_output=True, text=True, check=False
        ).stdout
        fields = dict(
            line.strip().split(":", 1) for line in info.splitlines() if ":" in line.strip()
        )
        width = int(fields.get("Width", "0").strip() or 0)
        if "IsViewable" in fields.get("Map State", "") and 0 < width <= ICON_MAX_PX:
            return True
    return False


def one_launch(display: str, command: list[str]) -> float:
    env = os.environ | {"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    started = time.perf_counter()
    app = subprocess.Popen(
        [*command, "--demo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.perf_counter() - started < TIMEOUT_S:
            if tray_icon_visible(display):
                return time.perf_counter() - started
            if app.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {app.returncode} before the tray")
            time.sleep(0.02)
        raise RuntimeError(f"no tray icon from {command[0]} within {TIMEOUT_S:.0f} s")
    finally:
        app.terminate()
        app.wait(15)


def main() -> int:
    for tool in ("Xvfb", "trayer", "xdotool", "xwininfo"):
        if shutil.which(tool) is None:
            print(json.dumps({"skipped": f"{tool} is not installed"}))
            return 0
    commands = dict(arg.split("=", 1) for arg in sys.argv[1:])
    display, helpers = start_x()
    figures: dict[str, float] = {}
    try:
        for label, command in commands.items():
            samples = [one_launch(display, command.split()) for _ in range(ROUNDS)]
            figures[f"{label}_s"] = round(statistics.median(samples), 3)
            print(f"{label}: tray icon visible after {figures[f'{label}_s']} s "
                  f"(median of {ROUNDS})", flush=True)  # fmt: skip
    finally:
        for process in helpers:
            process.terminate()
            process.wait(10)
    labels = list(commands)
    if len(labels) >= 2:
        figures["ratio"] = round(figures[f"{labels[0]}_s"] / figures[f"{labels[1]}_s"], 2)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
