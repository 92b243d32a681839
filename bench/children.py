"""Child processes for the benchmarks: started, read and always stopped."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def child(argv: list[str], env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[str]]:
    """A child process, always stopped (by its PID) when the block ends."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if process.stdout is not None:
            process.stdout.close()


def json_line(process: subprocess.Popen[str], what: str) -> dict[str, Any]:
    """The first line starting with `{` on the child's stdout (blocking; before the loop)."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("{"):
            found: dict[str, Any] = json.loads(line)
            return found
    raise RuntimeError(f"{what} exited early (code {process.wait()})")


async def wait_process(process: subprocess.Popen[str], timeout_s: float) -> str:
    """Wait for a child without blocking the loop; its stdout."""
    async with asyncio.timeout(timeout_s):
        while process.poll() is None:
            await asyncio.sleep(0.02)
    assert process.stdout is not None
    return process.stdout.read()
