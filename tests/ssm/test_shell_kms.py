"""KMS-encrypted shells (docs/protocol.md §14) against the fake in this process: the fake
agent asks for KMSEncryption, our client gets a data key from the fake's KMS over boto3
(kms:GenerateDataKey with the agent's encryption context), answers the challenge, and both
directions are encrypted; without the permission, or without KMS support, the session
fails with an error naming the key."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest

from ssmgui.core.errors import AccessDeniedError, ProtocolError
from ssmgui.core.shell_request import shell_session_request
from ssmgui.demo.control.kms import DEMO_KEY_ALIAS
from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.world import FakeAws
from ssmgui.services.tunnels.kms_data_keys import kms_data_keys_for
from ssmgui.services.tunnels.session_api import session_api_for
from ssmgui.ssm.channel import ChannelOptions
from ssmgui.ssm.shell import ShellEnd, run_shell_session
from ssmgui.ssm.terminal import PosixTerminal
from tests.ssm.test_shell_session import pipes, read_all
from tests.tunnel_fixtures import boto_session

ENCRYPTED = "i-0aaaaaaaaaaaaaab1"


@pytest.fixture
async def fake() -> AsyncIterator[FakeAws]:
    async with FakeAws() as world:
        world.add_instance(FakeInstance(ENCRYPTED, offers_shell=True, kms_key_id=DEMO_KEY_ALIAS))
        yield world


async def run_shell(
    fake: FakeAws, typed: bytes, *, with_kms: bool = True
) -> tuple[ShellEnd, bytes, bytes]:
    """A shell on ENCRYPTED with `typed` as its piped input: (end, stdout, stderr)."""
    session = boto_session()
    api = session_api_for(session, endpoint_url=fake.api_url)
    kms = kms_data_keys_for(
        session, profile="demo", region="eu-west-1", target_id=ENCRYPTED, endpoint_url=fake.api_url
    )
    options = ChannelOptions(
        allowed_hosts=frozenset({fake.stream_host}), kms=kms if with_kms else None
    )
    endpoint = await api.start(shell_session_request(ENCRYPTED))
    with pipes() as (in_r, in_w, out_r, out_w, err_r, err_w):
        os.write(in_w, typed)
        os.close(in_w)
        terminal = PosixTerminal(in_r, out_w, err_w)
        end = await asyncio.wait_for(
            run_shell_session(endpoint, api, terminal, options=options), 20
        )
        return end, read_all(out_r), read_all(err_r)


async def test_an_encrypted_shell_works_both_ways(fake: FakeAws) -> None:
    end, stdout, stderr = await run_shell(fake, b"echo typed-$((40 + 2))\nexit 3\n")
    assert b"typed-42" in stdout  # our input decrypted by the agent, its output by us
    assert end.status == 3
    assert b"This session is encrypted using AWS KMS." in stderr
    (session,) = fake.sessions.values()
    assert session.encryption is not None
    assert session.encryption.cipher is not None  # the challenge was answered
    assert session.bad_frames == 0  # every input decrypted


async def test_without_kms_generate_data_key_the_error_names_key_and_action(
    fake: FakeAws,
) -> None:
    fake.deny_actions.add("kms:GenerateDataKey")
    with pytest.raises(AccessDeniedError) as raised:
        await run_shell(fake, b"exit\n")
    assert DEMO_KEY_ALIAS in raised.value.user_message
    assert "kms:GenerateDataKey" in raised.value.user_message
    (session,) = fake.sessions.values()
    assert session.terminated  # not left open on the service


async def test_without_kms_support_the_error_names_the_key(fake: FakeAws) -> None:
    with pytest.raises(ProtocolError, match=f"KMS key {DEMO_KEY_ALIAS}"):
        await run_shell(fake, b"exit\n", with_kms=False)
