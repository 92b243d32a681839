"""`ssmgui doctor`: why tunnels would fail for a profile, checked one thing at a time.

Credentials, the clock (SigV4 fails beyond 5 minutes of skew), each IAM action ssmgui uses
(called where a call is harmless, simulated where it is not), instances whose agent is too
old for port forwarding or multiplexing, and the session-manager-plugin if one is used.
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore import exceptions as boto_errors
from botocore.parsers import ResponseParserError

from ssmgui.core.errors import PluginNotFoundError, SsmGuiError
from ssmgui.core.instance import (
    MULTIPLEXING_AFTER_AGENT,
    PORT_FORWARDING_MIN_AGENT,
    agent_version_tuple,
)
from ssmgui.services.aws.errors import botocore_error, client_error
from ssmgui.services.tunnels.engines.plugin.locator import PluginLocator

SIMULATED_ACTIONS = ("ssm:StartSession", "ssm:ResumeSession", "ssm:TerminateSession")
SKEW_WARN_S = 60
SKEW_FAIL_S = 300


class Status(enum.StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str


ClientFor = Callable[[str], Any]  # service name → boto3 client for the profile and region


class Doctor:
    def __init__(
        self,
        client_for: ClientFor,
        profile: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client_for = client_for
        self._profile = profile
        self._clock = clock

    async def run(self) -> list[Finding]:
        return await asyncio.to_thread(self._run)

    def _run(self) -> list[Finding]:
        identity = self._caller()
        findings = [identity[0]]
        if identity[0].status is Status.FAIL:
            return findings
        findings.append(self._clock_skew(identity[1]))
        listing, instances = self._describe_instances()
        findings += [listing, self._ec2(), self._connection_status(instances)]
        findings += self._simulated(identity[2])
        findings += self._agents(instances)
        return findings

    def _caller(self) -> tuple[Finding, Mapping[str, Any], str]:
        try:
            answer = self._client_for("sts").get_caller_identity()
        except boto_errors.ClientError as exc:
            error = client_error(self._profile, "check who you are", exc)
            return Finding("credentials", Status.FAIL, error.user_message), {}, ""
        except boto_errors.BotoCoreError as exc:
            return Finding("credentials", Status.FAIL, self._botocore_text(exc)), {}, ""
        arn = str(answer.get("Arn", ""))
        detail = f"account {answer.get('Account')}, {arn}"
        return Finding("credentials", Status.OK, detail), answer, arn

    def _botocore_text(self, exc: boto_errors.BotoCoreError) -> str:
        """What went wrong, as the sign-in commands say it: a proxy named, the profile."""
        if isinstance(exc, boto_errors.NoCredentialsError):
            return f"No credentials for this profile. Run: ssmgui login {self._profile}"
        return botocore_error(exc, self._profile, "check who you are", "~/.aws/config").user_message

    def _clock_skew(self, answer: Mapping[str, Any]) -> Finding:
        header = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        if not header:
            return Finding("clock", Status.UNKNOWN, "AWS sent no Date header to compare with.")
        skew = abs((self._clock() - email.utils.parsedate_to_datetime(header)).total_seconds())
        if skew > SKEW_FAIL_S:
            detail = (
                f"This computer's clock is {skew:.0f} s off AWS time; requests are refused "
                "beyond 300 s. Turn on time sync."
            )
            return Finding("clock", Status.FAIL, detail)
        if skew > SKEW_WARN_S:
            return Finding("clock", Status.WARN, f"{skew:.0f} s off AWS time. Turn on time sync.")
        return Finding("clock", Status.OK, f"within {max(skew, 1):.0f} s of AWS time")

    def _describe_instances(self) -> tuple[Finding, list[Mapping[str, Any]]]:
        action = "ssm:DescribeInstanceInformation"
        try:
            pages = self._client_for("ssm").get_paginator("describe_instance_information")
            instances = [i for page in pages.paginate() for i in page["InstanceInformationList"]]
        except boto_errors.ClientError as exc:
            return _denied_or_failed(action, exc), []
        return Finding(action, Status.OK, f"{len(instances)} managed instances"), instances

    def _ec2(self) -> Finding:
        action = "ec2:DescribeInstances"
        try:
            self._client_for("ec2").describe_instances(MaxResults=5)
        except boto_errors.ClientError as exc:
            return _denied_or_failed(action, exc, "instance names will be missing")
        return Finding(action, Status.OK, "allowed")

    def _connection_status(self, instances: list[Mapping[str, Any]]) -> Finding:
        action = "ssm:GetConnectionStatus"
        if not instances:
            return Finding(action, Status.UNKNOWN, "no instance to check it on")
        target = str(instances[0]["InstanceId"])
        try:
            status = self._client_for("ssm").get_connection_status(Target=target)["Status"]
        except boto_errors.ClientError as exc:
            return _denied_or_failed(action, exc)
        return Finding(action, Status.OK, f"allowed ({target} is {status})")

    def _simulated(self, caller_arn: str) -> list[Finding]:
        principal = _principal_arn(caller_arn)
        try:
            answer = self._client_for("iam").simulate_principal_policy(
                PolicySourceArn=principal, ActionNames=list(SIMULATED_ACTIONS)
            )
        except (boto_errors.ClientError, boto_errors.BotoCoreError, ResponseParserError):
            # Also what an endpoint without the simulator (moto, some proxies) answers.
            why = "could not be checked without iam:SimulatePrincipalPolicy; open a tunnel to see"
            return [Finding(action, Status.UNKNOWN, why) for action in SIMULATED_ACTIONS]
        findings = []
        for result in answer.get("EvaluationResults", []):
            allowed = result.get("EvalDecision") == "allowed"
            findings.append(
                Finding(
                    str(result.get("EvalActionName")),
                    Status.OK if allowed else Status.FAIL,
                    "allowed" if allowed else f"denied ({result.get('EvalDecision')})",
                )
            )
        return findings

    @staticmethod
    def _agents(instances: list[Mapping[str, Any]]) -> list[Finding]:
        too_old, no_mux = [], []
        for instance in instances:
            version = agent_version_tuple(str(instance.get("AgentVersion", "")))
            if version < PORT_FORWARDING_MIN_AGENT:
                too_old.append(f"{instance['InstanceId']} ({instance.get('AgentVersion')})")
            elif version <= MULTIPLEXING_AFTER_AGENT:
                no_mux.append(f"{instance['InstanceId']} ({instance.get('AgentVersion')})")
        findings = []
        if too_old:
            detail = f"too old for port forwarding (< 2.3.672.0), update: {', '.join(too_old)}"
            findings.append(Finding("agents", Status.FAIL, detail))
        if no_mux:
            detail = f"one connection at a time only (≤ 3.0.196.0), update: {', '.join(no_mux)}"
            findings.append(Finding("agents", Status.WARN, detail))
        if not findings:
            findings.append(Finding("agents", Status.OK, "every agent can forward ports"))
        return findings


def _denied_or_failed(action: str, exc: boto_errors.ClientError, effect: str = "") -> Finding:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
        suffix = f": {effect}" if effect else ""
        return Finding(action, Status.FAIL, f"denied{suffix}")
    return Finding(action, Status.FAIL, f"{code}: {exc.response.get('Error', {}).get('Message')}")


def _principal_arn(caller_arn: str) -> str:
    """An assumed-role session ARN → its role ARN (what the policy simulator accepts)."""
    match = re.fullmatch(r"arn:(aws[\w-]*):sts::(\d+):assumed-role/([^/]+)/.+", caller_arn)
    if match:
        partition, account, role = match.groups()
        return f"arn:{partition}:iam::{account}:role/{role}"
    return caller_arn


async def plugin_finding(locator: PluginLocator, required: bool) -> Finding:
    """The plugin's state; missing is a failure only when the plugin engine is chosen."""
    check = "session-manager-plugin"
    try:
        program = await locator.locate()
    except PluginNotFoundError as exc:
        if required:
            return Finding(check, Status.FAIL, exc.user_message)
        return Finding(check, Status.OK, "not installed (only the plugin engine needs it)")
    except SsmGuiError as exc:  # unsupported version, or it would not run
        return Finding(check, Status.FAIL if required else Status.WARN, exc.user_message)
    return Finding(check, Status.OK, f"{program.version} at {program.command[-1]}")
