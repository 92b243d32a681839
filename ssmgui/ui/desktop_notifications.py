"""Notices through the desktop's notification service, so they reach its notification centre.

On Linux that is `org.freedesktop.Notifications` on the session bus (GNOME, KDE, XFCE,
dunst, mako, notification-daemon): a tray balloon is a few seconds of text where a tray
exists at all, while the service keeps the notice in the centre. macOS and Windows keep
`QSystemTrayIcon.showMessage`, which already reaches their centres: `start()` says False
there, as it does when the bus or the service is missing — the caller then uses the tray.

Spoken with jeepney (pure Python; on Linux it comes with keyring) rather than QtDBus:
PySide6 sends every Python int as int32, and GDBus servers refuse a Notify whose
`replaces_id` is not a uint32 ("does not match expected type (susssasa{sv}i)"). Every call
is asynchronous on the GUI's loop and limited to `CALL_LIMIT_S`: a stuck service never
stalls the window. A click on a notice (the server's "default" action, where it supports
actions) calls `on_click(notice)`; a sign-in notice offers "Sign in…" as its action.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from typing import Any

from ssmgui.ui import icons
from ssmgui.ui.controller import Notice

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
CALL_LIMIT_S = 2.0
SHOWN_MS = 8000  # as the tray balloon; the centre keeps it after
APP_NAME = "ssmgui"
_KEPT = 64  # notices remembered for a click; older ones only open the window


class DesktopNotifications:
    """The session bus's notification service, once `start()` found it."""

    def __init__(self, on_click: Callable[[Notice], None]) -> None:
        self._on_click = on_click
        self._router: Any = None  # jeepney's DBusRouter while connected
        self._connection: Any = None  # …and the connection under it
        self._closing: asyncio.Task[None] | None = None
        self._actions = False
        self._shown: dict[int, Notice] = {}  # notification id → what it said
        self._listener: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self._router is not None

    async def start(self) -> bool:
        """Connect and learn what the server can do; False where there is no such service
        (not Linux, no session bus, nobody owning the name, or no answer in time)."""
        if sys.platform != "linux":
            return False
        try:
            async with asyncio.timeout(CALL_LIMIT_S):
                connection, router = await _open_router()
                try:
                    capabilities = await _call(router, "GetCapabilities", "", ())
                    await _listen_for_clicks(router)
                except BaseException:
                    await _close_router(connection, router)
                    raise
        except (OSError, EOFError, KeyError, ValueError, TimeoutError, _DBusError) as exc:
            log.info("no desktop notification service: %s", type(exc).__name__)
            return False
        self._connection, self._router = connection, router
        self._actions = "actions" in capabilities[0]
        self._listener = asyncio.get_running_loop().create_task(self._listen(router))
        return True

    async def show(self, notice: Notice) -> bool:
        """Send `notice`; False when it could not be (the caller shows it another way)."""
        router = self._router
        if router is None:
            return False
        actions = ["default", "Sign in…" if notice.sign_in else "Open"] if self._actions else []
        hints = {"urgency": ("y", 1), "desktop-entry": ("s", APP_NAME)}  # 1: normal
        arguments = (APP_NAME, 0, _app_icon(), notice.title, notice.message, actions, hints,
                     SHOWN_MS)  # fmt: skip
        try:
            async with asyncio.timeout(CALL_LIMIT_S):
                (notification_id,) = await _call(router, "Notify", "susssasa{sv}i", arguments)
        except (OSError, EOFError, TimeoutError, _DBusError) as exc:
            log.warning("the notification service did not take a notice: %s", type(exc).__name__)
            return False
        self._shown[notification_id] = notice
        while len(self._shown) > _KEPT:
            self._shown.pop(next(iter(self._shown)))
        return True

    def close_soon(self) -> None:
        """Quitting, from synchronous code: `close()` on the running loop, if any."""
        with contextlib.suppress(RuntimeError):  # no running loop: nothing was started
            self._closing = asyncio.get_running_loop().create_task(self.close())

    async def close(self) -> None:
        """Quitting: stop listening and leave the bus."""
        router, self._router = self._router, None
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if router is not None:
            await _close_router(self._connection, router)

    async def _listen(self, router: Any) -> None:
        from jeepney import MatchRule  # noqa: PLC0415 - Linux only

        queue: asyncio.Queue[Any] = asyncio.Queue()
        with router.filter(_clicks_rule(MatchRule), queue=queue):
            while True:
                message = await queue.get()
                notification_id, _action = message.body
                notice = self._shown.pop(notification_id, None)
                if notice is not None:  # another app's notice is not ours to answer
                    self._on_click(notice)


def _app_icon() -> str:
    """The app's icon as a file URI (the spec allows one); the desktop file's icon name
    where the checkout or bundle has no file (it is installed with the package)."""
    found = sorted((icons.resources_dir() / "app").glob("ssmgui-256.png"))
    return found[0].as_uri() if found else APP_NAME


class _DBusError(Exception):
    """The service answered with a D-Bus error."""


async def _open_router() -> tuple[Any, Any]:
    """A connection to the session bus, and the router matching its replies (a task)."""
    from jeepney.io.asyncio import DBusRouter, open_dbus_connection  # noqa: PLC0415

    connection = await open_dbus_connection("SESSION")
    return connection, DBusRouter(connection)


async def _close_router(connection: Any, router: Any) -> None:
    with contextlib.suppress(OSError, EOFError, RuntimeError, asyncio.CancelledError):
        await router.__aexit__(None, None, None)
    with contextlib.suppress(OSError, RuntimeError):
        await connection.close()


async def _call(router: Any, method: str, signature: str, body: tuple[Any, ...]) -> tuple[Any, ...]:
    from jeepney import DBusAddress, MessageType, new_method_call  # noqa: PLC0415

    address = DBusAddress(PATH, bus_name=SERVICE, interface=SERVICE)
    reply = await router.send_and_get_reply(new_method_call(address, method, signature, body))
    if reply.header.message_type is MessageType.error:
        raise _DBusError(str(reply.body[0]) if reply.body else "error")
    result: tuple[Any, ...] = reply.body
    return result


def _clicks_rule(match_rule: Any) -> Any:
    return match_rule(type="signal", interface=SERVICE, path=PATH, member="ActionInvoked")


async def _listen_for_clicks(router: Any) -> None:
    """Ask the bus to send us the service's ActionInvoked signals."""
    from jeepney import MatchRule, MessageType  # noqa: PLC0415
    from jeepney.bus_messages import message_bus  # noqa: PLC0415

    reply = await router.send_and_get_reply(message_bus.AddMatch(_clicks_rule(MatchRule)))
    if reply.header.message_type is MessageType.error:
        raise _DBusError("AddMatch refused")
