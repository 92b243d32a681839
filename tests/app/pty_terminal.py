"""A stand-in terminal emulator for GUI tests: runs what follows -e in a real
pseudo-terminal, as xterm would, and acts as the person at its keyboard.

Usage (as the launcher starts it): `pty_terminal.py -e COMMAND…`, with SSMGUI_TEST_TERMINAL
naming a JSON file {"record": path, "steps": [[expected, typed], …]}: for each step it reads
the terminal's output until `expected` appears (60 s at most), then types `typed`. It then
reads to the end and appends {"argv", "env", "shown", "code"} to the record file."""

import json
import os
import pty
import select
import sys
import time

DEADLINE_S = 60.0

with open(os.environ.pop("SSMGUI_TEST_TERMINAL"), encoding="utf-8") as plan_file:
    plan = json.load(plan_file)
argv = sys.argv[sys.argv.index("-e") + 1 :]
shown = bytearray()
pid, master = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)


def read_until(text: bytes, deadline: float) -> bool:
    while text not in shown:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([master], [], [], left)[0]:
            return False
        try:
            chunk = os.read(master, 4096)
        except OSError:
            return False
        if not chunk:
            return False
        shown.extend(chunk)
    return True


for expected, typed in plan["steps"]:
    if not read_until(expected.encode(), time.monotonic() + DEADLINE_S):
        break
    os.write(master, typed.encode())
read_until(b"\0never", time.monotonic() + DEADLINE_S)  # to the end of the output
_, status = os.waitpid(pid, 0)
entry = {
    "argv": argv,
    "env": sorted(os.environ),
    "shown": shown.decode(errors="replace"),
    "code": os.waitstatus_to_exitcode(status),
}
with open(plan["record"], "a", encoding="utf-8") as out:
    out.write(json.dumps(entry) + "\n")
