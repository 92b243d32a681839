"""FakeEc2: just enough of EC2's DescribeInstances (query protocol) for the inventory, and
GetPasswordData for "Get Windows password…".

moto serves EC2 well but too slowly for a 7,200-instance benchmark, so the demo fleet and
`bench/inventory.py` use this. `POST /` with a form-encoded body (`Action=DescribeInstances`,
`InstanceId.N`, `Filter.N.Name=instance-id` + `Filter.N.Value.M`, `MaxResults`, `NextToken`);
the answer is EC2's XML. Unknown ids in a filter are skipped (as in EC2); unknown ids in
`InstanceId.N` give `InvalidInstanceID.NotFound` and more than 200 values in one filter
`FilterLimitExceeded` (as in EC2). Each answer waits
`2 * faults.latency_s`, like the fake SSM API.

`StartInstances` (`InstanceId.N`) moves a stopped instance to pending, and after
`start_delay_s` to running; then every `started` callback hears its id (the fleet brings its
agent online a moment later, as a booting instance's agent connects). Answers
`IncorrectInstanceState` for a terminated one, as EC2 does.

`GetPasswordData` (`InstanceId`) answers an instance's `password` encrypted for the demo key
pair (windows_key.py), or an empty `passwordData` when it has none, as EC2 does for a few
minutes after a Windows instance is launched.
"""

from __future__ import annotations

import asyncio
import ssl
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from ssmgui.demo.ec2.windows_key import encrypted_password
from ssmgui.demo.faults import Faults
from ssmgui.demo.remade import RemadeWhenChanged
from ssmgui.demo.servers.query import QueryServer

_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
MAX_FILTER_VALUES = 200  # EC2's limit per filter (FilterLimitExceeded beyond it)
_STATE_CODES = {"pending": 0, "running": 16, "stopping": 64, "stopped": 80, "terminated": 48}
START_DELAY_S = 2.0  # pending → running, when StartInstances is asked
_ACTIONS = ("DescribeInstances", "GetPasswordData", "StartInstances")


@dataclass
class FakeEc2Instance:
    """One EC2 instance as DescribeInstances shows it."""

    instance_id: str
    reservation_id: str
    owner_id: str = "123456789012"
    state: str = "running"
    platform: str = ""  # "windows" or "" (Linux), as EC2 reports it
    private_ip: str = ""
    public_ip: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    key_name: str = ""  # the key pair it was launched with ("" for none)
    password: str = ""  # the Administrator password; "" while "not available yet"


class Ec2Error(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class FakeEc2:
    """The fake EC2 endpoint. Attributes: instances (id → FakeEc2Instance, in insertion
    order), faults (shared latency), deny (answer UnauthorizedOperation), throttle (answer
    RequestLimitExceeded to that many more calls), calls (DescribeInstances served). With a
    `tls` context it serves https://."""

    def __init__(self, faults: Faults | None = None, *, tls: ssl.SSLContext | None = None) -> None:
        self.faults = faults or Faults()
        self.instances: dict[str, FakeEc2Instance] = {}
        self.deny = False
        self.throttle = 0
        self.calls = 0
        self.url = ""
        self.start_delay_s = START_DELAY_S
        self.started: list[Callable[[str], None]] = []  # hears each id that became running
        self._timers: set[asyncio.TimerHandle] = set()
        self._items = _item_texts()
        self._server = QueryServer(self._handle, lambda: 2 * self.faults.latency_s, tls=tls)

    def add(self, instance: FakeEc2Instance) -> FakeEc2Instance:
        self.instances[instance.instance_id] = instance
        return instance

    async def start(self) -> str:
        self.url = await self._server.start()
        return self.url

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        await self._server.stop()

    def _handle(self, params: Mapping[str, str], _headers: Mapping[str, str]) -> tuple[int, str]:
        try:
            return 200, self._answer(params)
        except Ec2Error as exc:
            return exc.status, _error_xml(exc)

    def _answer(self, params: Mapping[str, str]) -> str:
        action = params.get("Action")
        if action not in _ACTIONS:
            raise Ec2Error("InvalidAction", f"The action {action} is not valid")
        self.calls += action == "DescribeInstances"
        if self.deny:
            raise Ec2Error(
                "UnauthorizedOperation",
                "You are not authorized to perform this operation. (fake deny)",
                403,
            )
        if self.throttle > 0:
            self.throttle -= 1
            raise Ec2Error("RequestLimitExceeded", "Request limit exceeded.", 503)
        if action == "GetPasswordData":
            return self._password_data(params.get("InstanceId", ""))
        if action == "StartInstances":
            return self._start_instances(self._select(params))
        chosen = self._select(params)
        start = int(params.get("NextToken") or 0)
        limit = int(params.get("MaxResults") or 1000)
        page = chosen[start : start + limit]
        token = str(start + limit) if start + limit < len(chosen) else None
        return _describe_xml(page, token, self._items)

    def _start_instances(self, chosen: list[FakeEc2Instance]) -> str:
        """Stopped ones go pending, and running after `start_delay_s`; the others stay."""
        for instance in chosen:
            if instance.state == "terminated":
                raise Ec2Error(
                    "IncorrectInstanceState",
                    f"The instance '{instance.instance_id}' is not in a state from which it "
                    "can be started.",
                )
        items = ""
        for instance in chosen:
            before = instance.state
            if before in ("stopped", "stopping"):
                instance.state = "pending"
                self._after(self.start_delay_s, self._now_running, instance)
            items += (
                f"<item><instanceId>{instance.instance_id}</instanceId>"
                f"<currentState>{_state_xml(instance.state)}</currentState>"
                f"<previousState>{_state_xml(before)}</previousState></item>"
            )
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<StartInstancesResponse xmlns="{_NS}">'
            f"<requestId>{uuid.uuid4()}</requestId><instancesSet>{items}</instancesSet>"
            "</StartInstancesResponse>"
        )

    def _after(
        self, delay: float, action: Callable[[FakeEc2Instance], None], instance: FakeEc2Instance
    ) -> None:
        def run() -> None:
            self._timers.discard(timer)
            action(instance)

        timer = asyncio.get_running_loop().call_later(delay, run)
        self._timers.add(timer)

    def _now_running(self, instance: FakeEc2Instance) -> None:
        if instance.state != "pending":
            return
        instance.state = "running"
        for hear in self.started:
            hear(instance.instance_id)

    def _password_data(self, instance_id: str) -> str:
        instance = self.instances.get(instance_id)
        if instance is None:
            raise Ec2Error(
                "InvalidInstanceID.NotFound", f"The instance ID '{instance_id}' does not exist"
            )
        data = encrypted_password(instance.password) if instance.password else ""
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<GetPasswordDataResponse xmlns="{_NS}">'
            f"<requestId>{uuid.uuid4()}</requestId><instanceId>{instance_id}</instanceId>"
            f"<timestamp>2026-01-01T00:00:00.000Z</timestamp>"
            f"<passwordData>{data}</passwordData></GetPasswordDataResponse>"
        )

    def _select(self, params: Mapping[str, str]) -> list[FakeEc2Instance]:
        named = [value for key, value in params.items() if key.startswith("InstanceId.")]
        missing = [i for i in named if i not in self.instances]
        if missing:
            raise Ec2Error(
                "InvalidInstanceID.NotFound",
                f"The instance IDs '{', '.join(missing)}' do not exist",
            )
        filtered: set[str] | None = None
        for key, value in params.items():
            if key.startswith("Filter.") and key.endswith(".Name") and value == "instance-id":
                prefix = key.removesuffix("Name") + "Value."
                values = [v for k, v in params.items() if k.startswith(prefix)]
                if len(values) > MAX_FILTER_VALUES:
                    raise Ec2Error(
                        "FilterLimitExceeded",
                        "The maximum number of filter values specified on a single call is "
                        f"{MAX_FILTER_VALUES}",
                    )
                filtered = set(values)
        wanted = set(named) if named else filtered
        if wanted is None:
            return list(self.instances.values())
        # By key, in the fleet's order: no attribute read per instance (the fake's cost per
        # call slows the client sharing its cores: demo/remade.py).
        return [self.instances[i] for i in self.instances if i in wanted]


def _state_xml(state: str) -> str:
    return f"<code>{_STATE_CODES.get(state, 16)}</code><name>{state}</name>"


def _item_texts() -> RemadeWhenChanged[FakeEc2Instance, str]:
    """Each instance's `<item>` text, kept until the instance changes (demo/remade.py)."""
    return RemadeWhenChanged(_instance_xml, _xml_fields)


def _xml_fields(instance: FakeEc2Instance) -> tuple[object, ...]:
    """What an instance's `<item>` text is made from (demo/remade.py)."""
    return (
        instance.state,
        instance.platform,
        instance.private_ip,
        instance.public_ip,
        tuple(instance.tags.items()),
        instance.key_name,
    )


def _instance_xml(instance: FakeEc2Instance) -> str:
    tags = "".join(
        f"<item><key>{escape(k)}</key><value>{escape(v)}</value></item>"
        for k, v in instance.tags.items()
    )
    optional = ""
    if instance.platform:
        optional += f"<platform>{instance.platform}</platform>"
    if instance.private_ip:
        optional += f"<privateIpAddress>{instance.private_ip}</privateIpAddress>"
    if instance.public_ip:
        optional += f"<ipAddress>{instance.public_ip}</ipAddress>"
    if instance.key_name:
        optional += f"<keyName>{escape(instance.key_name)}</keyName>"
    details = "Windows" if instance.platform == "windows" else "Linux/UNIX"
    return (
        f"<item><instanceId>{instance.instance_id}</instanceId>"
        f"<instanceState><code>{_STATE_CODES.get(instance.state, 16)}</code>"
        f"<name>{instance.state}</name></instanceState>{optional}"
        f"<platformDetails>{details}</platformDetails><tagSet>{tags}</tagSet></item>"
    )


def _describe_xml(
    page: list[FakeEc2Instance],
    token: str | None,
    items: RemadeWhenChanged[FakeEc2Instance, str],
) -> str:
    reservations: dict[str, list[FakeEc2Instance]] = {}
    for instance in page:
        reservations.setdefault(instance.reservation_id, []).append(instance)
    body = "".join(
        f"<item><reservationId>{rid}</reservationId><ownerId>{members[0].owner_id}</ownerId>"
        f"<instancesSet>{''.join(items.get(i) for i in members)}</instancesSet></item>"
        for rid, members in reservations.items()
    )
    next_token = f"<nextToken>{token}</nextToken>" if token else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="{_NS}">'
        f"<requestId>{uuid.uuid4()}</requestId><reservationSet>{body}</reservationSet>"
        f"{next_token}</DescribeInstancesResponse>"
    )


def _error_xml(error: Ec2Error) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
        f"<Code>{error.code}</Code><Message>{escape(error.message)}</Message></Error></Errors>"
        f"<RequestID>{uuid.uuid4()}</RequestID></Response>"
    )
