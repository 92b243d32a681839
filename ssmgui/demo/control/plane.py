"""The fake's SSM control-plane operations: AWS JSON 1.1 bodies in and out
(docs/protocol.md §11 item 8)."""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable
from typing import Any, Protocol

from ssmgui.demo.channel.downlink import AgentTiming
from ssmgui.demo.channel.session import FakeSession
from ssmgui.demo.channel.sigv4 import region_from_authorization
from ssmgui.demo.control import documents
from ssmgui.demo.control.api import (
    EIC_TARGET_PREFIX,
    KMS_TARGET_PREFIX,
    Answer,
    ApiError,
    EncodedJson,
)
from ssmgui.demo.control.kms import FakeKms
from ssmgui.demo.ec2.instance_connect import FakeInstanceConnect, InstanceConnectError
from ssmgui.demo.faults import Faults
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.remade import RemadeWhenChanged

MAX_RESULTS = 50
#: The IAM action prefix of each service whose operations the fake dispatches.
_SERVICE_ACTIONS = {
    "": "ssm",
    KMS_TARGET_PREFIX.rstrip("."): "kms",
    EIC_TARGET_PREFIX.rstrip("."): "ec2-instance-connect",
}


class ServiceState(Protocol):
    """What the control plane reads and changes of the fake service it answers for
    (`ssmgui.demo.world.FakeAws` is one): the fleet, the live sessions and the test knobs."""

    region: str
    faults: Faults
    rng: random.Random
    timing: AgentTiming
    instances: dict[str, FakeInstance]
    sessions: dict[str, FakeSession]
    deny_actions: set[str]
    throttle: dict[str, int]
    unavailable: dict[str, int]
    repeat_next_token: bool
    resume_returns_no_token: set[str]
    kms: FakeKms
    instance_connect: FakeInstanceConnect

    def stream_url(self, session_id: str) -> str:
        """The data-channel WebSocket URL of a session."""


class ControlPlane:
    """StartSession, ResumeSession, TerminateSession, DescribeSessions,
    DescribeInstanceInformation, GetConnectionStatus against one fake service's state."""

    def __init__(self, world: ServiceState) -> None:
        self._world = world
        self._infos = RemadeWhenChanged(_info_parts, _info_fields)

    async def dispatch(
        self, operation: str, body: dict[str, Any], headers: dict[str, str]
    ) -> Answer:
        handlers: dict[str, Callable[[dict[str, Any], dict[str, str]], Answer]] = {
            "StartSession": self._start_session,
            "ResumeSession": self._resume_session,
            "TerminateSession": self._terminate_session,
            "DescribeSessions": self._describe_sessions,
            "DescribeInstanceInformation": self._describe_instance_information,
            "GetConnectionStatus": self._get_connection_status,
            KMS_TARGET_PREFIX + "GenerateDataKey": self._generate_data_key,
            EIC_TARGET_PREFIX + "SendSSHPublicKey": self._send_ssh_public_key,
        }
        handler = handlers.get(operation)
        if handler is None:
            raise ApiError("UnknownOperationException", f"Unknown operation {operation}")
        service, _, name = operation.rpartition(".")
        action = _SERVICE_ACTIONS.get(service, "ssm") + ":" + name
        if action in self._world.deny_actions:
            raise ApiError(
                "AccessDeniedException",
                f"User is not authorized to perform: {action} (fake deny_actions)",
            )
        if self._world.throttle.get(action, 0) > 0:
            self._world.throttle[action] -= 1
            raise ApiError("ThrottlingException", "Rate exceeded")
        if self._world.unavailable.get(action, 0) > 0:
            self._world.unavailable[action] -= 1
            raise ApiError("ServiceUnavailable", "Service is unavailable.", status=503)
        return handler(body, headers)

    def _generate_data_key(self, body: dict[str, Any], headers: dict[str, str]) -> Answer:
        return self._world.kms.generate_data_key(body)

    def _send_ssh_public_key(self, body: dict[str, Any], headers: dict[str, str]) -> Answer:
        try:
            return self._world.instance_connect.send_ssh_public_key(body)
        except InstanceConnectError as exc:
            raise ApiError(exc.code, exc.message) from None

    def _instance(self, target: object) -> FakeInstance:
        instance = self._world.instances.get(str(target))
        if instance is None or not instance.online:
            raise ApiError("TargetNotConnected", f"{target} is not connected.")
        return instance

    def _new_token(self, session: FakeSession) -> dict[str, Any]:
        session.token = secrets.token_urlsafe(48)
        return {
            "SessionId": session.session_id,
            "TokenValue": session.token,
            "StreamUrl": self._world.stream_url(session.session_id),
        }

    def _start_session(self, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        instance = self._instance(body.get("Target"))
        document = str(body.get("DocumentName") or "SSM-SessionManagerRunShell")
        if not documents.is_known(document):
            raise ApiError(
                "InvalidDocument",
                f"Document {document} does not exist or is not a Port session document.",
            )
        kind = documents.session_type(document)
        if kind != "Port" and not instance.offers_shell:
            raise ApiError(
                "ValidationException",
                f"{instance.instance_id} offers no shell in this demo (the featured Linux "
                "instances do).",
            )
        try:
            values = documents.resolve(document, body.get("Parameters"))
        except documents.InvalidParametersError as exc:
            raise ApiError("ValidationException", str(exc)) from exc
        reason = body.get("Reason")
        if reason is not None and not (isinstance(reason, str) and 1 <= len(reason) <= 256):
            raise ApiError("ValidationException", "Reason must be 1 to 256 characters.")
        region = region_from_authorization(headers.get("authorization")) or self._world.region
        sid = f"demo-{secrets.token_hex(9)[:17]}"
        session = FakeSession(
            sid,
            instance=instance,
            document=document,
            session_type=kind,
            kms=self._world.kms,
            properties=documents.properties(document, values),
            region=region,
            faults=self._world.faults,
            rng=self._world.rng,
            timing=self._world.timing,
        )
        session.reason = reason or ""  # recorded in CloudTrail by the real service
        self._world.sessions[sid] = session
        return self._new_token(session)

    def _session(self, body: dict[str, Any]) -> FakeSession:
        sid = str(body.get("SessionId") or "")
        session = self._world.sessions.get(sid)
        if session is None or session.terminated:
            raise ApiError("DoesNotExistException", f"Session {sid} does not exist.")
        return session

    def _resume_session(self, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        session = self._session(body)
        if session.session_id in self._world.resume_returns_no_token:
            return {"SessionId": session.session_id, "TokenValue": "", "StreamUrl": ""}
        return self._new_token(session)

    def _terminate_session(self, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        sid = str(body.get("SessionId") or "")
        session = self._world.sessions.get(sid)
        if session is not None:
            session.end("")  # idempotent, like the real API
        return {"SessionId": sid}

    def _describe_sessions(self, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """The real API's listing: "Active" sessions, or the terminated ones ("History"), in
        pages of 1–200 (default 20)."""
        state = body.get("State")
        if state not in ("Active", "History"):
            raise ApiError("ValidationException", "State must be Active or History.")
        limit = int(body.get("MaxResults") or 20)
        if not 1 <= limit <= 200:
            raise ApiError("ValidationException", "MaxResults must be between 1 and 200.")
        start = int(body.get("NextToken") or 0)
        wanted = state == "History"
        found = [s for s in self._world.sessions.values() if s.terminated == wanted]
        answer: dict[str, Any] = {"Sessions": [_session(s) for s in found[start : start + limit]]}
        if start + limit < len(found):
            answer["NextToken"] = str(start + limit)
        return answer

    def _describe_instance_information(
        self, body: dict[str, Any], headers: dict[str, str]
    ) -> EncodedJson:
        limit = int(body.get("MaxResults") or MAX_RESULTS)
        if not 5 <= limit <= MAX_RESULTS:
            raise ApiError("ValidationException", "MaxResults must be between 5 and 50.")
        start = int(body.get("NextToken") or 0)
        # Sorting the ids (plain strings) rather than the instances by a key function: the
        # fake shares the cores with the client it serves, so its cost per page matters.
        instances = self._world.instances
        ids = sorted(instances)[start : start + limit]
        now = time.time()
        infos = ", ".join(self._info_json(instances[i], now) for i in ids)
        more = f', "NextToken": "{start + limit}"' if start + limit < len(instances) else ""
        if self._world.repeat_next_token:  # a broken server: the same token, forever
            more = f', "NextToken": "{start or limit}"'
        return EncodedJson(f'{{"InstanceInformationList": [{infos}]{more}}}')

    def _info_json(self, instance: FakeInstance, now: float) -> str:
        head, tail = self._infos.get(instance)
        last_ping = now - (0 if instance.online else 86400)
        return head + float.__repr__(last_ping) + tail  # as json.dumps writes a float

    def _get_connection_status(
        self, body: dict[str, Any], headers: dict[str, str]
    ) -> dict[str, Any]:
        target = str(body.get("Target") or "")
        instance = self._world.instances.get(target)
        connected = instance is not None and instance.online
        return {"Target": target, "Status": "connected" if connected else "notconnected"}


def _session(session: FakeSession) -> dict[str, Any]:
    """A Session of DescribeSessions, with the fields the fake knows."""
    if session.terminated:
        status = "Terminated"
    else:
        status = "Connected" if session.attached else "Disconnected"
    described = {
        "SessionId": session.session_id,
        "Target": session.instance.instance_id,
        "Status": status,
        "DocumentName": session.document,
    }
    if session.reason:
        described["Reason"] = session.reason
    return described


_PLATFORMS = {
    "Linux": ("Amazon Linux", "2023"),
    "Windows": ("Microsoft Windows Server 2022 Datacenter", "10.0.20348"),
    "MacOS": ("macOS", "14.5"),
}


def _info_fields(instance: FakeInstance) -> tuple[object, ...]:
    """What an instance's InstanceInformation is made from, but its ping time
    (demo/remade.py: the fake keeps the JSON of each and splices the time in)."""
    return (
        instance.ping_status,
        instance.agent_version,
        instance.platform,
        instance.name,
        instance.ip_address,
    )


def _info_parts(instance: FakeInstance) -> tuple[str, str]:
    """The instance's InstanceInformation as `json.dumps` writes it, before and after the
    value of its LastPingDateTime."""
    text = json.dumps(_describe(instance, _PING_PLACEHOLDER))
    head, _, tail = text.partition(json.dumps(_PING_PLACEHOLDER))
    return head, tail


_PING_PLACEHOLDER = "\0LastPingDateTime\0"


def _describe(instance: FakeInstance, last_ping: float | str) -> dict[str, Any]:
    platform_name, platform_version = _PLATFORMS.get(instance.platform, ("Unknown", ""))
    info: dict[str, Any] = {
        "InstanceId": instance.instance_id,
        "PingStatus": instance.ping_status,
        "LastPingDateTime": last_ping,
        "AgentVersion": instance.agent_version,
        "IsLatestVersion": instance.agent_version == "3.3.1142.0",
        "PlatformType": instance.platform,
        "PlatformName": platform_name,
        "PlatformVersion": platform_version,
        "ComputerName": (instance.name or instance.instance_id) + ".demo.internal",
        "IPAddress": instance.ip_address,
        "ResourceType": "ManagedInstance" if instance.managed else "EC2Instance",
    }
    if instance.managed:
        info["Name"] = instance.name
    return info
