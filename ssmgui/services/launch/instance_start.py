"""Start a stopped EC2 instance and wait until Session Manager can reach it.

`InstanceStarter.start` calls `ec2:StartInstances`, then asks EC2 for the state until it is
running and Session Manager (`ssm:GetConnectionStatus`, what the console asks before it
offers "Connect") until the agent is connected, telling `progress` each step in words. It
gives up after `timeout_s` with a message saying the instance may still come up; the caller
cancels it by cancelling the task (a call under way finishes in its worker thread and is
ignored). Hybrid (mi-) nodes are refused before any call: EC2 cannot start them.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

import boto3
from botocore import exceptions as boto_errors

from ssmgui.core.errors import SsmGuiError
from ssmgui.services.aws.errors import client_error, translated

START_TIMEOUT_S = 600.0  # EC2 boots in about a minute; an agent can take a few more
POLL_EVERY_S = 3.0
_DENIED = ("UnauthorizedOperation", "AccessDenied", "AccessDeniedException")

#: (profile, region, service) → an endpoint URL to use instead of botocore's, or None.
EndpointFor = Callable[[str, str, str], str | None]
Progress = Callable[[str], None]


class InstanceStartError(SsmGuiError):
    """The instance could not be started, or did not come online in time."""


class InstanceStarter:
    """Starts instances with `session_for(profile)`'s credentials; `endpoint_for` as in
    `WindowsPasswords` (the demo and tests name their fake endpoints)."""

    def __init__(
        self,
        session_for: Callable[[str], boto3.Session],
        endpoint_for: EndpointFor | None = None,
        *,
        poll_every_s: float = POLL_EVERY_S,
    ) -> None:
        self._session_for = session_for
        self._endpoint_for = endpoint_for
        self._poll_every_s = poll_every_s
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    async def start(
        self,
        profile: str,
        region: str,
        instance_id: str,
        progress: Progress = lambda _text: None,
        *,
        timeout_s: float = START_TIMEOUT_S,
    ) -> None:
        """Start `instance_id` and return once Session Manager can connect to it. Raises
        InstanceStartError (or another SsmGuiError) saying what to do."""
        if instance_id.startswith("mi-"):
            raise InstanceStartError(
                f"{instance_id} is a hybrid (on-premises) node: EC2 cannot start it. Start "
                "the machine where it runs."
            )
        began = time.monotonic()
        try:
            async with asyncio.timeout(timeout_s):
                await self._start(profile, region, instance_id, progress)
        except TimeoutError:
            minutes = max(1, round((time.monotonic() - began) / 60))
            raise InstanceStartError(
                f"{instance_id} did not come online in Session Manager within {minutes} min. "
                "It may still be starting (its agent connects after the system has booted): "
                "refresh in a while, or look at its system log in the EC2 console."
            ) from None
        progress(f"{instance_id} is online.")

    async def _start(self, profile: str, region: str, instance_id: str, progress: Progress) -> None:
        progress(f"Starting {instance_id}…")
        state = await asyncio.to_thread(self._start_call, profile, region, instance_id)
        while state != "running":
            if state in ("shutting-down", "terminated", "stopping", "stopped"):
                raise InstanceStartError(
                    f"{instance_id} is {state} instead of starting: look at it in the EC2 "
                    "console (a capacity or volume problem stops a start)."
                )
            progress(f"{instance_id} is {state or 'starting'}…")
            await asyncio.sleep(self._poll_every_s)
            state = await asyncio.to_thread(self._state, profile, region, instance_id)
        progress(f"{instance_id} runs; waiting for its SSM Agent to connect…")
        while not await asyncio.to_thread(self._connected, profile, region, instance_id):
            await asyncio.sleep(self._poll_every_s)

    def _start_call(self, profile: str, region: str, instance_id: str) -> str:
        ec2 = self._client(profile, region, "ec2")
        with translated(profile, "start the instance"):
            try:
                answer = ec2.start_instances(InstanceIds=[instance_id])
            except boto_errors.ClientError as exc:
                raise _start_refusal(profile, instance_id, exc) from None
        for item in answer.get("StartingInstances", []):
            return str(item.get("CurrentState", {}).get("Name", ""))
        return ""

    def _state(self, profile: str, region: str, instance_id: str) -> str:
        ec2 = self._client(profile, region, "ec2")
        with translated(profile, "read the instance's state"):
            answer = ec2.describe_instances(InstanceIds=[instance_id])
        for reservation in answer.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                return str(instance.get("State", {}).get("Name", ""))
        return ""

    def _connected(self, profile: str, region: str, instance_id: str) -> bool:
        ssm = self._client(profile, region, "ssm")
        with translated(profile, "ask Session Manager whether the instance is connected"):
            answer = ssm.get_connection_status(Target=instance_id)
        return str(answer.get("Status", "")) == "connected"

    def _client(self, profile: str, region: str, service: Literal["ec2", "ssm"]) -> Any:
        key = (profile, region, service)
        with self._lock:
            client = self._clients.get(key)
        if client is None:
            named = self._endpoint_for(*key) if self._endpoint_for else None
            with translated(profile, f"reach {service.upper()}"):
                session = self._session_for(profile)
                if service == "ec2":
                    client = session.client("ec2", region_name=region, endpoint_url=named)
                else:
                    client = session.client("ssm", region_name=region, endpoint_url=named)
            with self._lock:
                self._clients[key] = client
        return client


def _start_refusal(profile: str, instance_id: str, exc: boto_errors.ClientError) -> SsmGuiError:
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    if code in _DENIED:
        return InstanceStartError(
            f"Profile '{profile}' may not start {instance_id}: it needs ec2:StartInstances "
            "on the instance (and kms:CreateGrant when its volumes are encrypted with a "
            "customer key)."
        )
    if code == "IncorrectInstanceState":
        return InstanceStartError(f"EC2 cannot start {instance_id} now: {message}")
    if code == "InsufficientInstanceCapacity":
        return InstanceStartError(
            f"AWS has no capacity for {instance_id}'s instance type in its zone just now: "
            f"try again later. ({message})"
        )
    return client_error(profile, "start the instance", exc)
