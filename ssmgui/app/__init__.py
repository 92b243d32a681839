"""The GUI's composition root: QApplication + qasync loop, services, tray and window.

`run(demo=...)` builds everything once, shows cached instances at once, refreshes, opens
auto-start favourites, and runs until Quit — which stops every tunnel (TerminateSession)
before the process exits. Nothing else constructs services.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from ssmgui.app.display_check import display_problem
from ssmgui.app.log_file import default_log_path, start_log_file
from ssmgui.app.quit_events import QuitEventsToShutdown
from ssmgui.app.quit_signals import QuitOnSignals
from ssmgui.app.responsiveness import freeze_loaded_objects, keep_gui_thread_responsive
from ssmgui.app.services import AppServices, build_demo_services, build_real_services
from ssmgui.app.shell_opener import shell_opener, ssh_ready
from ssmgui.app.single_instance import SingleInstance, instance_name
from ssmgui.core.errors import SsmGuiError
from ssmgui.core.instance import Instance
from ssmgui.core.tunnel import TunnelKind, TunnelSnapshot
from ssmgui.services.identity.expiry import ExpiryMonitor
from ssmgui.ui import icons
from ssmgui.ui.controller import AppController, Notice
from ssmgui.ui.error_display import ErrorDoor
from ssmgui.ui.main_surface import MainSurface
from ssmgui.ui.tunnel_clients import ClientRun

log = logging.getLogger(__name__)


def client_opener(
    services: AppServices,
) -> Callable[[TunnelSnapshot, Instance | None], Awaitable[ClientRun | None]]:
    """Open the tunnel's client (RDP, SSH terminal, browser) and return it: the controller
    watches it exit, says how on the tunnel's row, and closes its files. Custom ports get
    none — the ready notification names the address instead."""

    async def open_client(snapshot: TunnelSnapshot, _instance: Instance | None) -> ClientRun | None:
        kind, spec, settings = snapshot.spec.kind, snapshot.spec, services.settings.current
        if kind is TunnelKind.CUSTOM:
            return None
        chosen = settings.for_instance(spec.profile, spec.region, spec.instance_id)
        key_file = None
        if kind is TunnelKind.SSH and chosen.ssh_push_key and services.pushed_keys is not None:
            # Just before ssh connects: EC2 keeps the key for 60 s.
            where = (spec.profile, spec.region, spec.instance_id, chosen.ssh_user)
            key_file = await asyncio.to_thread(services.pushed_keys.key_for, *where)
        return await services.launcher.open(
            kind, snapshot.local_port, chosen,
            instance_id=snapshot.spec.instance_id, title=snapshot.spec.title,
            identity_file=key_file,
        )  # fmt: skip

    return open_client


def controller_for(services: AppServices) -> AppController:
    """The app's controller over `services` (the app, and tests composing it as the app does)."""
    return AppController(
        identity=services.facade,
        inventory=services.inventory,
        tunnels=services.tunnels,
        settings=services.settings,
        open_client=client_opener(services),
        passwords=services.passwords,
        starter=services.starter,
        open_shell=shell_opener(services),
        ssh_ready=ssh_ready,
    )


def run(
    *,
    demo: bool,
    verbose: bool = False,
    on_ready: Callable[[AppController, MainSurface, AppServices], None] = lambda *_: None,
) -> int:
    """The GUI until Quit; the exit code. `on_ready` as in `main` (the acceptance journeys
    start the app exactly as `ssmgui` does and act from it)."""
    problem = display_problem(os.environ)
    if problem is not None:  # Qt would abort the process (exit 134) with an xcb hint
        print(problem, file=sys.stderr)
        return 2
    app = QApplication.instance() or _new_application()
    assert isinstance(app, QApplication)
    try:
        guard = SingleInstance.claim(instance_name(demo=demo))
    except OSError as exc:  # no private folder: run on without the guard
        log.warning("cannot make sure ssmgui runs once: %s", exc)
        guard = None
    else:
        if guard is None:
            print("ssmgui is already running: its window was brought forward.")
            return 0
    log_file = start_log_file(default_log_path(), verbose)
    app.setWindowIcon(icons.app_icon())
    app.setQuitOnLastWindowClosed(False)  # a tray app: closing a window is not quitting
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            result: int = loop.run_until_complete(
                main(
                    app,
                    demo=demo,
                    log_path=log_file.path,
                    log_notice=log_file.notice,
                    on_ready=_shown_on_second_launch(guard, on_ready),
                )
            )
    finally:
        if guard is not None:
            guard.release()
    return result


def _new_application() -> QApplication:
    """The QApplication, named "ssmgui" whatever started it: the window manager's WM_CLASS
    (instance from argv[0], class from the application name) and Wayland's app id (the
    desktop file name) were "__main__.py" for `python -m ssmgui`, so docks and taskbars
    could not match the window to ssmgui.desktop."""
    QApplication.setApplicationName("ssmgui")
    QApplication.setDesktopFileName("ssmgui")
    return QApplication(["ssmgui", *sys.argv[1:]])


def _shown_on_second_launch(
    guard: SingleInstance | None,
    on_ready: Callable[[AppController, MainSurface, AppServices], None],
) -> Callable[[AppController, MainSurface, AppServices], None]:
    """`on_ready`, after pointing a later launch's request at the window."""

    def ready(controller: AppController, surface: MainSurface, services: AppServices) -> None:
        if guard is not None:
            guard.on_show(surface.open_window)
        on_ready(controller, surface, services)

    return ready


async def main(
    app: QApplication,
    *,
    demo: bool,
    log_path: Path,
    log_notice: str = "",
    on_ready: Callable[[AppController, MainSurface, AppServices], None] = lambda *_: None,
) -> int:
    """The app on the running loop until Quit; the exit code. `on_ready` gets the controller,
    the surface and the services once they exist (tests drive the app through them).
    `log_notice`, when not empty, is shown with the first message (the log moved).

    Every way to quit only sets `quitting`: the tray menu, closing the window where there is
    no tray, SIGINT/SIGTERM (quit_signals.py), and Qt's own Quit requests (quit_events.py).
    Stopping Qt's loop at once would end this coroutine before it stopped the tunnels."""
    quitting = asyncio.Event()
    app.aboutToQuit.connect(quitting.set)
    signals = QuitOnSignals(quitting.set)
    quit_events = QuitEventsToShutdown(app, quitting.set)
    try:
        return await _run_until_quit(
            app,
            demo=demo,
            log_path=log_path,
            log_notice=log_notice,
            quitting=quitting,
            on_ready=on_ready,
        )
    finally:
        quit_events.close()
        signals.close()


async def _run_until_quit(
    app: QApplication,
    *,
    demo: bool,
    log_path: Path,
    log_notice: str,
    quitting: asyncio.Event,
    on_ready: Callable[[AppController, MainSurface, AppServices], None],
) -> int:
    door = ErrorDoor(lambda: None, log_path)
    door.install(asyncio.get_running_loop())
    surface_holder: list[MainSurface] = []
    prompt_parent = lambda: surface_holder[0].window if surface_holder else None  # noqa: E731
    try:
        builder = build_demo_services if demo else build_real_services
        services = await builder(prompt_parent)
    except SsmGuiError as exc:
        # Nothing to show but this message (no window, no tray): closing it quits.
        door.show_expected(exc, then=quitting.set)
        await quitting.wait()
        return 2
    controller = controller_for(services)
    controller.failed.connect(door.show_expected)
    _tell_when_keyring_refuses(services, controller)
    surface = MainSurface(controller, quit_app=quitting.set)
    if services.demo is not None:  # "Get Windows password…" finds the demo's key there
        surface.passwords.key_folder = services.demo.windows_key_file.parent
    surface_holder.append(surface)
    surface.show(banner="\n\n".join(text for text in (services.banner, log_notice) if text))
    keep_gui_thread_responsive()
    _start(controller, services)
    on_ready(controller, surface, services)
    log.info("ssmgui started%s", " on the demo AWS" if demo else "")
    await quitting.wait()
    await _shut_down(surface, controller, services)
    return 0


async def _shut_down(
    surface: MainSurface, controller: AppController, services: AppServices
) -> None:
    surface.close()
    services.prompt.close()  # a worker waiting on the MFA dialog gets "cancelled"
    if services.secrets is not None:
        services.secrets.close()  # …and one waiting on a keyring prompt, too
    await controller.close()
    await services.close()
    log.info("ssmgui quit: tunnels stopped, services closed")


def _tell_when_keyring_refuses(services: AppServices, controller: AppController) -> None:
    """The keyring's first refusal or time-out, said once in the window's notice bar (and
    a notification): sessions are kept in memory for this run."""
    if services.secrets is None:
        return
    loop = asyncio.get_running_loop()

    def tell(message: str) -> None:  # on the keyring's thread
        notice = Notice("MFA sessions are kept in memory only", message, stays=True)
        loop.call_soon_threadsafe(controller.notify.emit, notice)

    services.secrets.when_unavailable(tell)


def _start(controller: AppController, services: AppServices) -> None:
    controller.show_cached()
    controller.update_credentials()

    async def first_refresh() -> None:
        await controller.refresh()
        freeze_loaded_objects()

    controller.spawn(first_refresh())

    async def auto_start() -> None:
        for error in await services.tunnels.open_auto_start():
            controller.failed.emit(error)

    controller.spawn(auto_start())
    monitor = ExpiryMonitor(services.identity, controller.profile_names,
                            lambda: datetime.now(UTC), services.facade.expires_at)  # fmt: skip
    controller.spawn(
        monitor.run(lambda warning: controller.credentials_expiring(
            warning.profile_name, warning.expires_at
        ))
    )  # fmt: skip
