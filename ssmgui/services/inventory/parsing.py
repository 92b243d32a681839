"""SSM and EC2 answers read straight from the wire, only the fields the inventory keeps.

`ssm_information_page` reads a DescribeInstanceInformation JSON answer into the dict boto3
would give (same member names, absent members absent, timestamps aware UTC datetimes).
`ec2_page_from_xml` reads a DescribeInstances XML answer with the C ElementTree straight
into the `Ec2Page` (records.py) the inventory keeps of it, without a dict per instance, tag
and state: botocore parses every member of EC2's `Instance` shape (≈ 75) for each instance.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from botocore.utils import parse_timestamp

from ssmgui.services.inventory.records import Ec2Details, Ec2Page, ec2_details


def fast_timestamp(value: Any) -> datetime:
    """Epoch seconds → aware UTC datetime; anything else as botocore would parse it."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    parsed: datetime = parse_timestamp(value)
    return parsed


def ssm_information_page(body: bytes) -> dict[str, Any]:
    """A DescribeInstanceInformation JSON answer → boto3's dict (timestamps aware UTC)."""
    page: dict[str, Any] = json.loads(body)
    for info in page.get("InstanceInformationList", ()):
        if "LastPingDateTime" in info:
            info["LastPingDateTime"] = fast_timestamp(info["LastPingDateTime"])
    return page


def ec2_page_from_xml(body: bytes) -> Ec2Page:
    """A DescribeInstances XML answer → every instance of every reservation, as botocore
    would read them (the last of a repeated tag key wins, as in boto3's dict)."""
    # AWS's answer over a verified connection; expat (≥ 2.4.1, bundled with Python 3.11)
    # caps entity expansion, and botocore parses the same bodies with the same parser.
    root = ElementTree.fromstring(body)  # noqa: S314
    # EC2 versions its XML namespace: read it from the root, then compare whole tags
    # (cheaper than stripping it from every element).
    names = _ec2_names(root.tag[: root.tag.find("}") + 1])
    details: dict[str, Ec2Details] = {}
    reservations = root.find(names.reservations)
    for reservation in () if reservations is None else reservations:
        instances = reservation.find(names.instances)
        if instances is not None:
            account = reservation.findtext(names.owner, "")
            details.update(_instance_details(item, names, account) for item in instances)
    return Ec2Page(details, root.findtext(names.next_token, ""))


class _Ec2Names:
    """DescribeInstances element names (EC2's locationNames) in one namespace."""

    def __init__(self, ns: str) -> None:
        self.reservations, self.next_token = ns + "reservationSet", ns + "nextToken"
        self.owner, self.instances = ns + "ownerId", ns + "instancesSet"
        self.instance_id, self.platform = ns + "instanceId", ns + "platform"
        self.private_ip, self.public_ip = ns + "privateIpAddress", ns + "ipAddress"
        self.state, self.state_name, self.tags = ns + "instanceState", ns + "name", ns + "tagSet"
        self.key, self.value = ns + "key", ns + "value"


@functools.cache
def _ec2_names(ns: str) -> _Ec2Names:
    return _Ec2Names(ns)


def _instance_details(
    item: ElementTree.Element, names: _Ec2Names, account: str
) -> tuple[str, Ec2Details]:
    # `find` on a plain (namespaced) tag looks at direct children only, in C: a
    # privateIpAddress nested in networkInterfaceSet is not the instance's.
    find, text = item.find, item.findtext
    tag_set = find(names.tags)
    tags = {} if tag_set is None else _tags(tag_set, names)
    state = find(names.state)
    return text(names.instance_id, ""), ec2_details(
        tags,
        state="" if state is None else state.findtext(names.state_name, ""),
        platform=text(names.platform),
        private_ip=text(names.private_ip, ""),
        public_ip=text(names.public_ip, ""),
        account=account,
    )


def _tags(tag_set: ElementTree.Element, names: _Ec2Names) -> dict[str, str]:
    """A tagSet's key → value, each item's <key/> and <value/> found by name."""
    return {item.findtext(names.key, ""): item.findtext(names.value, "") for item in tag_set}


def local_name(tag: str) -> str:
    """An element's name without its namespace (`{ns}Code` → `Code`)."""
    return tag.rpartition("}")[2]
