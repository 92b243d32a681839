"""Shell benchmark: `ssmgui shell` as a person runs it, against `python -m ssmgui.demo` in a
process of its own (the second core).

1. launch → exit of `ssmgui shell <i> --command "echo ready"` (median of --runs): process
   start, imports, credentials, StartSession, WebSocket, handshake, the command, the end;
2. output throughput of one command printing --megabytes of base64 through the pty (its
   time minus that of the same session running `true`; median of --runs), plain and
   KMS-encrypted (demo-web asks for KMS: GenerateDataKey, the challenge, AES-GCM both
   ways), so the cost of encryption is the difference.

The fake's agent is unpaced here; the real agent sends at most about 0.8 MB/s
(docs/protocol.md §12), far below either figure. Run: python bench/shell.py [--runs 5].
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cli.shell_pty import demo_env, shell_argv  # noqa: E402
from tests.demo_process import demo_process  # noqa: E402

PLAIN = "i-0de0000000000e001"  # echo-digest: a shell
ENCRYPTED = "i-0de0000000000b002"  # demo-web: a KMS-encrypted shell


def run_once(info: dict[str, Any], instance: str, command: str) -> tuple[float, int]:
    """(seconds from launch to exit, bytes of stdout)."""
    started = time.perf_counter()
    done = subprocess.run(
        shell_argv(info, instance, "--command", command),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=demo_env(info),
        timeout=300,
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - started, len(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--megabytes", type=float, default=24.0)
    args = parser.parse_args()
    size = int(args.megabytes * 1_000_000 * 3 / 4)  # base64 output is 4/3 of its input
    bulk = f"head -c {size} /dev/urandom | base64 -w 0"
    result: dict[str, Any] = {"cpus": os.cpu_count()}
    with demo_process() as info:
        run_once(info, PLAIN, "true")  # warm the disk cache
        launches = [run_once(info, PLAIN, "echo ready")[0] for _ in range(args.runs)]
        result["launch_to_exit_ms"] = round(statistics.median(launches) * 1000)
        for name, instance in (("plain", PLAIN), ("kms", ENCRYPTED)):
            rates = []
            for _ in range(args.runs):
                seconds, received = run_once(info, instance, bulk)
                empty, _ = run_once(info, instance, "true")  # the same session, no output
                rates.append(received / max(seconds - empty, 1e-3) / 1e6)
            result[f"{name}_output_mb_s"] = round(statistics.median(rates), 1)
    print(
        f"launch → exit (median of {args.runs}): {result['launch_to_exit_ms']} ms; "
        f"output: {result['plain_output_mb_s']} MB/s plain, {result['kms_output_mb_s']} MB/s "
        "KMS-encrypted"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
