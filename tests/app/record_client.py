"""A stand-in client program for GUI tests: appends its argv, and the content of any .rdp
file it was given, to the record file named first. Run by the real launcher as a process."""

import json
import sys
from pathlib import Path

record, *rest = sys.argv[1:]
entry: dict[str, object] = {"argv": rest}
for arg in rest:
    if arg.endswith(".rdp"):
        entry["rdp"] = Path(arg).read_text(encoding="utf-8")
with open(record, "a", encoding="utf-8") as out:
    out.write(json.dumps(entry) + "\n")
