"""Faster botocore parsing for the two listing calls: parse only the fields we read.

botocore parses a DescribeInstances answer by walking every member of EC2's `Instance`
shape (≈ 75) for each instance: about 0.5 ms per instance, which made 7,200 instances take
seconds of CPU on one core while the network was idle. Parsing against a *projection* of
the output shape — the same XML/JSON names, only the members `inventory_records` reads — is
about ten times cheaper and gives the same dicts for those members.

`install(session)` registers, on a botocore session, a `ResponseParserFactory` whose parsers
swap the output shapes of DescribeInstances and DescribeInstanceInformation for their
projections; every other operation parses as usual. Only sessions made for the inventory
get it, since other callers may want the full answers. Epoch timestamps (SSM's JSON) are
turned into UTC datetimes directly instead of through dateutil's slow tz conversion.

The asyncio HTTP path (inventory_fetch.py) bypasses botocore's parsers altogether:
`ssm_information_page` reads a raw JSON answer into the dict the projection gives (same
member names, absent members absent), and `ec2_page_from_xml` reads the XML answer with the
C ElementTree straight into what the inventory keeps of it (inventory_records.Ec2Page), for
a fraction of botocore's per-call cost and without a dict per instance, tag and state.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

import botocore.session
from botocore.model import Shape, ShapeResolver
from botocore.parsers import ResponseParserFactory
from botocore.utils import parse_timestamp

from ssmgui.services.inventory.gc_pause import collector_paused
from ssmgui.services.inventory.records import Ec2Details, Ec2Page, ec2_details

Keep = Mapping[str, "Keep"]

#: Output shape → the members kept (nested for structures; lists pass through).
_PROJECTIONS: dict[str, tuple[str, str, Keep]] = {
    "DescribeInstancesResult": (
        "ec2",
        "DescribeInstancesResult",
        {
            "NextToken": {},
            "Reservations": {
                "OwnerId": {},
                "Instances": {
                    "InstanceId": {},
                    "State": {"Name": {}},
                    "Platform": {},
                    "PrivateIpAddress": {},
                    "PublicIpAddress": {},
                    "Tags": {"Key": {}, "Value": {}},
                },
            },
        },
    ),
    "DescribeInstanceInformationResult": (
        "ssm",
        "DescribeInstanceInformationResult",
        {
            "NextToken": {},
            "InstanceInformationList": {
                key: {}
                for key in (
                    "InstanceId",
                    "PingStatus",
                    "LastPingDateTime",
                    "AgentVersion",
                    "PlatformType",
                    "PlatformName",
                    "IPAddress",
                    "Name",
                    "ResourceType",
                )
            },
        },
    ),
}


def project(shapes: Mapping[str, Any], name: str, keep: Keep, out: dict[str, Any]) -> None:
    """Copy shape `name` from `shapes` into `out`, keeping only the `keep` members."""
    model = dict(shapes[name])
    if model["type"] == "structure" and keep:
        members = {}
        for member, nested in keep.items():
            reference = dict(model["members"][member])
            project(shapes, reference["shape"], nested, out)
            members[member] = reference
        model["members"] = members
        model.pop("required", None)
    elif model["type"] == "list":
        project(shapes, model["member"]["shape"], keep, out)
    out[name] = model


def lean_shapes(session: botocore.session.Session) -> dict[str, Shape]:
    """Output shape name → its projection, built from the session's service models."""
    lean: dict[str, Shape] = {}
    for root, (service, name, keep) in _PROJECTIONS.items():
        shapes = session.get_service_data(service)["shapes"]
        projected: dict[str, Any] = {}
        project(shapes, name, keep, projected)
        lean[root] = ShapeResolver(projected).get_shape_by_name(name)
    return lean


def fast_timestamp(value: Any) -> datetime:
    """Epoch seconds → aware UTC datetime; anything else as botocore would parse it."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    parsed: datetime = parse_timestamp(value)
    return parsed


class _LeanParser:
    """Wraps botocore's parser for a protocol, swapping projected output shapes in."""

    def __init__(self, inner: Any, lean: Mapping[str, Shape]) -> None:
        self._inner = inner
        self._lean = lean

    def parse(self, response: Mapping[str, Any], shape: Shape | None) -> Any:
        if shape is not None and response.get("status_code") == 200:
            shape = self._lean.get(shape.name, shape)
        return self._inner.parse(response, shape)


class LeanParserFactory(ResponseParserFactory):
    """botocore's factory, with projected shapes for the two listing calls."""

    def __init__(self, lean: Mapping[str, Shape]) -> None:
        super().__init__()
        self._lean = lean
        self.set_parser_defaults(timestamp_parser=fast_timestamp)

    def create_parser(self, protocol_name: str) -> Any:
        return _LeanParser(super().create_parser(protocol_name), self._lean)


@functools.cache
def _cached_lean_shapes() -> dict[str, Shape]:
    return lean_shapes(botocore.session.get_session())


def install(session: botocore.session.Session) -> None:
    """Make clients created from `session` from now on parse the listing calls leanly."""
    # Service models are the same files for every session of this botocore: build once.
    session.register_component("response_parser_factory", LeanParserFactory(_cached_lean_shapes()))


def ssm_information_page(body: bytes) -> dict[str, Any]:
    """A DescribeInstanceInformation JSON answer → the projected dict (timestamps aware UTC)."""
    page: dict[str, Any] = json.loads(body)
    for info in page.get("InstanceInformationList", ()):
        if "LastPingDateTime" in info:
            info["LastPingDateTime"] = fast_timestamp(info["LastPingDateTime"])
    return page


def ec2_page_from_xml(body: bytes) -> Ec2Page:
    """A DescribeInstances XML answer → the `Ec2Page` that botocore's parse of it gives
    (`inventory_records.ec2_page`), without the boto3-shaped dicts in between."""
    with collector_paused():  # see gc_pause: ~1,000 elements a page, freed on return
        return _ec2_page(body)


def _ec2_page(body: bytes) -> Ec2Page:
    # AWS's answer over a verified connection; expat (≥ 2.4.1, bundled with Python 3.11)
    # caps entity expansion, and botocore parses the same bodies with the same parser.
    root = ElementTree.fromstring(body)  # noqa: S314
    # EC2 versions its XML namespace: read it from the root, then compare whole tags
    # (stripping it from every element cost a third of the walk).
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
    """A tagSet's key → value. EC2 writes each item as <key/> then <value/>: read them by
    position when they are so (a third less time than two `findtext` searches per tag, on
    every tag of 7,200 instances a refresh), by name otherwise."""
    key, value = names.key, names.value
    tags: dict[str, str] = {}
    for item in tag_set:
        if len(item) == 2 and item[0].tag == key and item[1].tag == value:
            tags[item[0].text or ""] = item[1].text or ""
        else:
            tags[item.findtext(key, "")] = item.findtext(value, "")
    return tags


def local_name(tag: str) -> str:
    """An element's name without its namespace (`{ns}Code` → `Code`)."""
    return tag.rpartition("}")[2]
