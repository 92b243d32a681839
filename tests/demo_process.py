"""boto3 and channel options for a `python -m ssmgui.demo` process, from the JSON line it
prints. Imports no pytest: bench/ui.py measures its process's memory with this loaded."""

from __future__ import annotations

from collections.abc import Mapping
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
