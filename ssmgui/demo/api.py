"""A minimal HTTP/1.1 server for the fake's control plane, AWS JSON 1.1 (§11 item 8).

`POST /` with `X-Amz-Target: AmazonSSM.<Op>`; keep-alive; Content-Length bodies only.
Errors are HTTP 400 with `{"__type": code, "message": ...}`. Signatures are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

JSON_11 = "application/x-amz-json-1.1"
TARGET_PREFIX = "AmazonSSM."


class ApiError(Exception):
    """An AWS error answer: HTTP `status` with `__type` = code."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


Dispatch = Callable[[str, dict[str, Any], dict[str, str]], Awaitable[dict[str, Any]]]


class ApiServer:
    """Serves `dispatch(operation, body, headers)`; header names are lower-cased."""

    def __init__(self, dispatch: Dispatch, latency: Callable[[], float]) -> None:
        self._dispatch = dispatch
        self._latency = latency
        self._server: asyncio.Server | None = None
        self._handlers: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self.port = 0

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        # Abort the connections rather than cancel their handlers: a cancelled stream
        # handler makes asyncio 3.11 log a spurious CancelledError traceback.
        for writer in list(self._handlers.values()):
            writer.transport.abort()
        if self._handlers:
            await asyncio.wait(list(self._handlers))
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers[task] = writer
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            log.debug("API connection ended: %s", exc)
        finally:
            self._handlers.pop(task, None)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        line = await reader.readline()
        if not line:
            return False
        method, path, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        status, answer = await self._answer(method, path, headers, body)
        delay = 2 * self._latency()
        if delay > 0:
            await asyncio.sleep(delay)
        payload = json.dumps(answer).encode()
        writer.write(
            (
                f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                f"Content-Type: {JSON_11}\r\nContent-Length: {len(payload)}\r\n"
                f"x-amzn-RequestId: {uuid.uuid4()}\r\n\r\n"
            ).encode()
            + payload
        )
        await writer.drain()
        return headers.get("connection", "").lower() != "close"

    async def _answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        target = headers.get("x-amz-target", "")
        if method != "POST" or not target.startswith(TARGET_PREFIX):
            return 400, {"__type": "UnknownOperationException", "message": "Unknown operation"}
        try:
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise ApiError("SerializationException", "body must be a JSON object")
            return 200, await self._dispatch(target[len(TARGET_PREFIX) :], request, headers)
        except ApiError as exc:
            return exc.status, {"__type": exc.code, "message": exc.message}
        except ValueError as exc:
            return 400, {"__type": "SerializationException", "message": str(exc)}
