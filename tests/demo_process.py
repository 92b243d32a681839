"""boto3 and channel options for a `python -m ssmgui.demo` process, from the JSON line it
prints. Imports no pytest: bench/ui.py measures its process's memory with this loaded."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import boto3

from ssmgui.services.tunnels.session_api import SessionApi, session_api_for
from ssmgui.ssm.channel import ChannelOptions


def demo_process_api(info: Mapping[str, Any]) -> SessionApi:
    """boto3 to a `python -m ssmgui.demo` process, from the JSON line it prints."""
    session = boto3.Session(
        aws_access_key_id=info["access_key_id"],
        aws_secret_access_key=info["secret_access_key"],
        region_name=info["region"],
    )
    return session_api_for(session, endpoint_url=info["api_url"])


def demo_process_options(info: Mapping[str, Any]) -> ChannelOptions:
    """Channel options that accept that process's stream host (it is not an AWS one)."""
    return ChannelOptions(allowed_hosts=frozenset({info["stream_host"]}))


@contextlib.contextmanager
def demo_process(*flags: str) -> Iterator[dict[str, Any]]:
    """`python -m ssmgui.demo *flags` while in the block, and the JSON line of endpoints it
    prints first. The fake in a process of its own answers as AWS would, in its own time:
    sharing the test's event loop, its answers come in batches that hide races."""
    with demo_process_running(*flags) as (info, _process):
        yield info


@contextlib.contextmanager
def demo_process_running(
    *flags: str,
) -> Iterator[tuple[dict[str, Any], subprocess.Popen[str]]]:
    """As `demo_process`, with the process too (to read what it prints on exit)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ssmgui.demo", *flags], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        info = next(json.loads(line) for line in process.stdout if line.startswith("{"))
        yield info, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(10)
