"""The inventory's boundary: SSM and EC2 answers (plain boto3 dicts) in, `Instance`s out.

`ec2_details` reads a DescribeInstances page — every instance of every reservation — and
`instance_from` is the one place an `Instance` is built from AWS data; no raw dict travels
past this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ssmgui.core.instance import Instance, PingStatus, Platform


@dataclass(frozen=True)
class Ec2Details:
    """What EC2 adds to an SSM node: Name tag and other tags, state, IPs, owning account."""

    name: str
    state: str
    platform: Platform
    private_ip: str
    public_ip: str
    account: str
    tags: tuple[tuple[str, str], ...]


def ec2_details(page: Mapping[str, Any]) -> dict[str, Ec2Details]:
    """Instance id → details for every instance in every reservation of one page."""
    found: dict[str, Ec2Details] = {}
    for reservation in page.get("Reservations", ()):
        account = str(reservation.get("OwnerId", ""))
        for item in reservation.get("Instances", ()):
            tags = {str(t.get("Key", "")): str(t.get("Value", "")) for t in item.get("Tags", ())}
            found[str(item["InstanceId"])] = Ec2Details(
                name=tags.get("Name", ""),
                state=str(item.get("State", {}).get("Name", "")),
                # EC2 sets Platform only for Windows; everything else is Linux/UNIX.
                platform=Platform.WINDOWS if item.get("Platform") == "windows" else Platform.LINUX,
                private_ip=str(item.get("PrivateIpAddress", "")),
                public_ip=str(item.get("PublicIpAddress", "")),
                account=account,
                tags=tuple(sorted(tags.items())),
            )
    return found


def instance_from(
    info: Mapping[str, Any],
    details: Ec2Details | None,
    *,
    profile: str,
    region: str,
    account: str,
) -> Instance:
    """One InstanceInformation entry (+ its EC2 details, if EC2 knows the id) → `Instance`.

    Hybrid `mi-` nodes take their name from SSM's `Name`; EC2 nodes from the Name tag. An id
    EC2 no longer knows (terminated moments ago) keeps what SSM said. `account` is used when
    EC2 did not name the owner.
    """
    platform = Platform.parse(info.get("PlatformType"))
    if platform is Platform.UNKNOWN and details is not None:
        platform = details.platform
    last_ping = info.get("LastPingDateTime")
    return Instance(
        instance_id=str(info["InstanceId"]),
        name=details.name if details is not None else str(info.get("Name") or ""),
        platform=platform,
        ping_status=PingStatus.parse(info.get("PingStatus")),
        agent_version=str(info.get("AgentVersion") or ""),
        private_ip=(details.private_ip if details else "") or str(info.get("IPAddress") or ""),
        public_ip=details.public_ip if details else "",
        profile=profile,
        region=region,
        account=(details.account if details else "") or account,
        last_ping=last_ping if isinstance(last_ping, datetime) else None,
        state=details.state if details else "",
        platform_name=str(info.get("PlatformName") or ""),
        tags=details.tags if details else (),
    )
