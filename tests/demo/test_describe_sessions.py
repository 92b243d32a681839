"""DescribeSessions through real boto3, as AWS answers it: "Active" sessions until they
are terminated, then under "History", in pages (docs/protocol.md §11 item 8)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ssmgui.demo.world import FakeAws
from tests.demo.support import INSTANCE, ssm_client, start_session


def listed(fake: FakeAws, state: str) -> list[dict[str, Any]]:
    pages = (
        ssm_client(fake)
        .get_paginator("describe_sessions")
        .paginate(State=state, PaginationConfig={"PageSize": 2})
    )
    return [session for page in pages for session in page["Sessions"]]


async def test_sessions_move_from_active_to_history_when_terminated(fake: FakeAws) -> None:
    started = [(await start_session(fake))["SessionId"] for _ in range(3)]
    await asyncio.to_thread(ssm_client(fake).terminate_session, SessionId=started[0])
    active = await asyncio.to_thread(listed, fake, "Active")
    history = await asyncio.to_thread(listed, fake, "History")
    assert [s["SessionId"] for s in active] == started[1:]
    assert [s["SessionId"] for s in history] == started[:1]
    assert active[0] == {
        "SessionId": started[1],
        "Target": INSTANCE,
        "Status": "Disconnected",  # no WebSocket attached yet
        "DocumentName": "AWS-StartPortForwardingSession",
    }
    assert history[0]["Status"] == "Terminated"


@pytest.mark.parametrize(
    "request_", [{"State": "Everything"}, {"State": "Active", "MaxResults": 500}]
)
async def test_bad_requests_are_refused(fake: FakeAws, request_: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as error:
        await asyncio.to_thread(lambda: ssm_client(fake).describe_sessions(**request_))
    assert error.value.response["Error"]["Code"] == "ValidationException"
