"""The fake over TLS (docs/protocol.md §11): https:// for the API and wss:// for the data
channel, with a throwaway CA's certificate (ssmgui.demo.servers.tls), checked by clients that
are not ours: boto3 and websockets' own client."""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path
from typing import Any

import boto3
import pytest
import websockets
from botocore.config import Config
from botocore.exceptions import SSLError

from ssmgui.demo.instance import FakeInstance
from ssmgui.demo.servers.tls import LoopbackCertificates
from ssmgui.demo.world import FakeAws
from ssmgui.ssm.message import MessageType, decode
from tests.demo.rawclient import signed_headers
from tests.demo.support import ECHO_PORT, INSTANCE

#: OpenDataChannel without its token (docs/protocol.md §3).
OPEN = {
    "MessageSchemaVersion": "1.0",
    "RequestId": "r",
    "ClientId": "c",
    "ClientVersion": "1.2.764.0",
}


def ssm_client(fake: FakeAws, ca_file: Path) -> Any:
    return boto3.client(
        "ssm",
        endpoint_url=fake.api_url,
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="x",
        verify=str(ca_file),
        config=Config(retries={"max_attempts": 1}),
    )


async def test_the_api_and_the_data_channel_speak_tls_with_the_ca_s_certificate(
    tmp_path: Path,
) -> None:
    certs = LoopbackCertificates.make(tmp_path / "ca")
    stranger = LoopbackCertificates.make(tmp_path / "stranger", ca_name="stranger")
    async with FakeAws(tls=certs.server_context()) as fake:
        fake.add_instance(FakeInstance(INSTANCE, ports={ECHO_PORT: ("127.0.0.1", 9)}))
        assert fake.api_url.startswith("https://127.0.0.1:")
        start = await asyncio.to_thread(
            ssm_client(fake, certs.ca_file).start_session,
            Target=INSTANCE,
            DocumentName="AWS-StartPortForwardingSession",
            Parameters={"portNumber": [str(ECHO_PORT)], "localPortNumber": ["0"]},
        )
        with pytest.raises(SSLError):
            await asyncio.to_thread(
                ssm_client(fake, stranger.ca_file).terminate_session, SessionId="s-1"
            )
        url = start["StreamUrl"]
        assert url.startswith(f"wss://{fake.stream_host}/v1/data-channel/")
        trusting = ssl.create_default_context(cafile=certs.ca_file)
        headers = signed_headers(url)  # verified by the fake: signed for wss://
        async with websockets.connect(url, additional_headers=headers, ssl=trusting) as ws:
            await ws.send(json.dumps({**OPEN, "TokenValue": start["TokenValue"]}))
            first = await asyncio.wait_for(ws.recv(), 5)
        assert isinstance(first, bytes)
        assert decode(first).message_type == MessageType.OUTPUT_STREAM_DATA  # the handshake
