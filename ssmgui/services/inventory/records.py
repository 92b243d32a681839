"""The inventory's boundary: SSM and EC2 answers in, `Instance`s out.

An EC2 DescribeInstances page becomes an `Ec2Page` (`parsing.ec2_page_from_xml`);
`instance_from` is the one place an `Instance` is built from AWS data. No raw dict travels
past this module.

`Ec2Details` is a named tuple rather than a dataclass: one is made for every EC2 instance of
every refresh, and a tuple is cheaper to build. It is built by keyword and read by name all
the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from ssmgui.core.instance import Instance, PingStatus, Platform


class Ec2Details(NamedTuple):
    """What EC2 adds to an SSM node: Name tag and other tags (sorted by key), state, IPs,
    owning account."""

    name: str
    state: str
    platform: Platform
    private_ip: str
    public_ip: str
    account: str
    tags: tuple[tuple[str, str], ...]


class Ec2Page(NamedTuple):
    """One DescribeInstances answer: instance id → details, and the next page's token
    ("" on the last page)."""

    details: dict[str, Ec2Details]
    next_token: str


def ec2_platform(platform: str | None) -> Platform:
    """EC2 sets Platform only for Windows; everything else is Linux/UNIX."""
    return Platform.WINDOWS if platform == "windows" else Platform.LINUX


def ec2_details(
    tags: Mapping[str, str],
    *,
    state: str,
    platform: str | None,
    private_ip: str,
    public_ip: str,
    account: str,
) -> Ec2Details:
    """One instance's details from its fields as EC2 answered them."""
    return Ec2Details(
        name=tags.get("Name", ""),
        state=state,
        platform=ec2_platform(platform),
        private_ip=private_ip,
        public_ip=public_ip,
        account=account,
        tags=tuple(sorted(tags.items())),
    )


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
    get = info.get
    platform = Platform.parse(get("PlatformType"))
    last_ping = get("LastPingDateTime")
    ssm_ip = str(get("IPAddress") or "")
    if details is None:  # not an EC2 instance, or one EC2 no longer knows: SSM's word stands
        details = Ec2Details(
            name=str(get("Name") or ""),
            state="",
            platform=platform,
            private_ip="",
            public_ip="",
            account="",
            tags=(),
        )
    return Instance(
        instance_id=str(info["InstanceId"]),
        name=details.name,
        platform=details.platform if platform is Platform.UNKNOWN else platform,
        ping_status=PingStatus.parse(get("PingStatus")),
        agent_version=str(get("AgentVersion") or ""),
        private_ip=details.private_ip or ssm_ip,
        public_ip=details.public_ip,
        profile=profile,
        region=region,
        account=details.account or account,
        last_ping=last_ping if isinstance(last_ping, datetime) else None,
        state=details.state,
        platform_name=str(get("PlatformName") or ""),
        tags=details.tags,
    )
