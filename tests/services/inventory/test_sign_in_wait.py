"""A profile waiting for its sign-in (an MFA code being typed) holds up no other profile:
the others' regions are listed meanwhile, and the waiting ones once it is signed in."""

from __future__ import annotations

import asyncio
import json
import threading

import boto3

from ssmgui.services.inventory.service import InventoryService, RegionResult
from ssmgui.services.inventory.sessions import ProfileSessions
from tests.loopback_servers import serving
from tests.services.inventory.conftest import KEY
from tests.services.inventory.test_http import read_request

#: More waiting profiles than the default thread pool has threads (at most 32) and more
#: waiting pairs than the service lists at once (24): neither may be what they wait on.
WAITING = [f"waiting-{n:02}" for n in range(40)]
REGIONS = ["eu-west-1", "us-east-1"]


async def no_instances(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while await read_request(reader) is not None:
        payload = json.dumps({"InstanceInformationList": []}).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)


class SignIns:
    """`session_for` as the identity service's: profiles in `WAITING` block (the person has
    not typed their code yet) until `signed_in` is set."""

    def __init__(self) -> None:
        self.signed_in = threading.Event()

    def session_for(self, profile: str) -> boto3.Session:
        if profile in WAITING:
            self.signed_in.wait(30)  # bounded: a failing test ends anyway
        return boto3.Session(aws_access_key_id=KEY, aws_secret_access_key=KEY)


async def test_profiles_waiting_for_a_sign_in_hold_up_no_other() -> None:
    sign_ins = SignIns()
    async with serving(no_instances) as url:
        sessions = ProfileSessions(sign_ins.session_for, endpoint_url_for=lambda *_: url)
        service = InventoryService(sessions)
        pairs = [(p, r) for p in WAITING for r in REGIONS]
        pairs += [("free", r) for r in REGIONS]  # asked last: behind every waiting one
        listed: list[RegionResult] = []
        try:
            async with asyncio.timeout(10):
                async for result in service.stream(pairs):
                    listed.append(result)
                    if len(listed) == len(REGIONS):
                        # Everything else waits for its sign-in: the free profile is done.
                        assert {r.profile for r in listed} == {"free"}
                        assert all(r.ok for r in listed)
                        sign_ins.signed_in.set()
        finally:
            sign_ins.signed_in.set()
            await service.aclose()
    assert len(listed) == len(pairs)
    assert all(r.ok for r in listed)
