"""The IAM permissions ssmgui needs, as a minimal policy a person can hand to an admin."""

from __future__ import annotations

import json
from typing import Any

PORT_DOCUMENTS = (
    "AWS-StartPortForwardingSession",
    "AWS-StartPortForwardingSessionToRemoteHost",
    "AWS-StartSSHSession",
)

REQUIRED_ACTIONS = (
    "ssm:DescribeInstanceInformation",
    "ssm:GetConnectionStatus",
    "ec2:DescribeInstances",
    "ssm:StartSession",
    "ssm:ResumeSession",
    "ssm:TerminateSession",
)


def minimal_policy() -> dict[str, Any]:
    """List instances, start port sessions on instances with AWS's port documents, and
    resume or end only the caller's own sessions."""
    documents = [f"arn:aws:ssm:*::document/{name}" for name in PORT_DOCUMENTS]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListInstances",
                "Effect": "Allow",
                "Action": [
                    "ssm:DescribeInstanceInformation",
                    "ssm:GetConnectionStatus",
                    "ec2:DescribeInstances",
                ],
                "Resource": "*",
            },
            {
                "Sid": "StartPortSessions",
                "Effect": "Allow",
                "Action": "ssm:StartSession",
                "Resource": [
                    "arn:aws:ec2:*:*:instance/*",
                    "arn:aws:ssm:*:*:managed-instance/*",
                    *documents,
                ],
            },
            {
                "Sid": "OwnSessions",
                "Effect": "Allow",
                "Action": ["ssm:ResumeSession", "ssm:TerminateSession"],
                "Resource": "arn:aws:ssm:*:*:session/${aws:userid}-*",
            },
        ],
    }


def minimal_policy_json() -> str:
    return json.dumps(minimal_policy(), indent=2)
