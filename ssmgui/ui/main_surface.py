"""The window, the tray and the dialogs, wired to the controller — and nothing else.

Views emit requests; this module turns each into a controller call, and each controller
signal into a view update. Where the desktop has no system tray (some Linux desktops) the
window is the main surface: it is shown at start and closing it quits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication

from ssmgui.core.errors import SsoLoginRequiredError
from ssmgui.core.instance import Instance
from ssmgui.core.settings import Settings
from ssmgui.core.tunnel import TunnelKind, spec_for
from ssmgui.services.inventory.service import RegionResult
from ssmgui.ui.connect_confirmation import ConnectConfirmation
from ssmgui.ui.controller import AppController, Notice
from ssmgui.ui.custom_port_dialog import CustomPortDialog
from ssmgui.ui.desktop_notifications import DesktopNotifications
from ssmgui.ui.favourites_dialog import FavouritesDialog
from ssmgui.ui.instance_choice_menu import described_defaults
from ssmgui.ui.instance_start_ui import InstanceStartUi
from ssmgui.ui.instances_window import InstancesWindow
from ssmgui.ui.profile_marks import ProfileMarks
from ssmgui.ui.settings_dialog import SettingsDialog
from ssmgui.ui.sso_roles_page import SsoRolesPage
from ssmgui.ui.tray import TrayIcon, TrayMenu
from ssmgui.ui.tunnel_ticker import TunnelTicker
from ssmgui.ui.windows_password_ui import WindowsPasswordUi

REGION_BATCH_MS = 150
REFRESHING = "Refreshing instances…"


class _CloseWatcher(QObject):
    """Closing the window quits only when there is no tray to come back from."""

    def __init__(self, on_close: Callable[[], None]) -> None:
        super().__init__()
        self._on_close = on_close

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt
        if event.type() is QEvent.Type.Close:
            self._on_close()
        return False


class MainSurface:
    def __init__(self, controller: AppController, *, quit_app: Callable[[], None]) -> None:
        self._controller = controller
        self._quit = quit_app
        self.window = InstancesWindow()
        self.window.setWindowTitle("ssmgui — instances and tunnels")
        self._show_marks(controller)
        self.tray: TrayIcon | None = None
        self.starts = InstanceStartUi(controller, lambda: self.window)  # Start and connect
        if TrayIcon.available():
            menu = TrayMenu(
                controller,
                open_window=self.open_window,
                open_settings=self.open_settings,
                quit_app=quit_app,
                ask_custom_port=self.ask_custom_port,
                marks=self.marks,
                open_favourites=self.open_favourites,
                start_and_connect=self.starts.request,
            )
            self.tray = TrayIcon(controller, menu, self.window)
        else:
            self._close_watcher = _CloseWatcher(quit_app)
            self.window.installEventFilter(self._close_watcher)
        self._wire_window()
        self._wire_controller()
        self.notifications = DesktopNotifications(on_click=self._notice_answered)

    def _show_marks(self, controller: AppController) -> None:
        """Which account am I in: each profile's colour in both tables (and the tray menu),
        and the question before connecting to a marked profile when the settings ask."""
        self.marks = ProfileMarks(controller.settings.profile_colours)
        self.window.model.set_profile_marks(self.marks)
        self.window.tunnels.model.marks = self.marks
        self.confirmation = ConnectConfirmation(lambda: self.window)
        controller.confirm_connect = self.confirmation

    def show(self, banner: str = "") -> None:
        if self.tray is not None:
            self.tray.show()
            if banner:
                self.tray.icon.showMessage("ssmgui", banner)
        else:
            self.open_window()
        if banner:
            # In the bar, not the status bar: "Refreshing instances…" replaced it at once,
            # and the demo's banner holds the MFA code a newcomer needs.
            self.window.notice.show_notice("ssmgui", banner)
        self._start_notifications()

    def _start_notifications(self) -> None:
        """Notices to the desktop's notification centre where the session has one (Linux's
        D-Bus service: desktop_notifications.py); until then, and where there is none, the
        tray's balloons (or, without a tray, the window) tell them."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # the widgets alone, in a test without the app's loop: balloons only
        self._controller.spawn(self._connect_notifications())

    async def _connect_notifications(self) -> None:
        if await self.notifications.start() and self.tray is not None:
            self.tray.desktop = self.notifications

    async def _to_desktop(self, notice: Notice) -> None:
        await self.notifications.show(notice)

    def _notice_answered(self, notice: Notice) -> None:
        """A click on a desktop notification: sign in when it offered that, else the
        window (as a click on the tray's balloon)."""
        if notice.sign_in:
            self._controller.spawn(self._controller.sign_in(notice.sign_in))
        else:
            self.open_window()

    def close(self) -> None:
        """Quitting: the icon and the window go at once, while the tunnels are stopped."""
        self.notifications.close_soon()
        if self.tray is not None:
            self.tray.icon.hide()
        self.window.close()
        self.passwords.clipboard.clear()  # a copied password does not outlive the app

    # --- views → controller ---------------------------------------------------------------

    def _wire_window(self) -> None:
        controller, window = self._controller, self.window
        window.default_action_requested.connect(
            lambda instance: controller.spawn(controller.default_action(instance))
        )
        window.connect_requested.connect(
            lambda instance, kind: controller.spawn(controller.open_tunnel(instance, kind))
        )
        window.custom_port_requested.connect(self.ask_custom_port)
        window.remote_host_requested.connect(
            lambda instance: self.ask_custom_port(instance, remote_host=True)
        )
        window.favourite_requested.connect(self.add_favourite)
        self.passwords = WindowsPasswordUi(controller, lambda: self.window)
        window.windows_password_requested.connect(self.passwords.request)
        window.start_requested.connect(self.starts.request)
        window.choice_requested.connect(controller.choose)
        window.choice_of = lambda i: (controller.choice_for(i), controller.settings.ssh_user)
        window.details.describe = lambda i: described_defaults(
            i, controller.choice_for(i), controller.settings, ssh_ready=controller.ssh_ready()
        )
        window.choice_requested.connect(window.details.refresh)  # after the choice is kept
        window.refresh_requested.connect(lambda: controller.spawn(controller.refresh()))
        window.favourites_action.triggered.connect(self.open_favourites)
        window.copy_requested.connect(copy_to_clipboard)
        tunnels = window.tunnels
        tunnels.stop_requested.connect(
            lambda tunnel_id: controller.spawn(controller.stop_tunnel(tunnel_id))
        )
        tunnels.reopen_requested.connect(
            lambda tunnel_id: controller.spawn(controller.reopen_client(tunnel_id))
        )
        tunnels.copy_requested.connect(copy_to_clipboard)
        tunnels.clear_requested.connect(controller.clear_finished)

    def _wire_controller(self) -> None:
        self._pending_regions: dict[tuple[str, str], RegionResult] = {}
        self._region_timer = QTimer()
        self._region_timer.setSingleShot(True)
        self._region_timer.setInterval(REGION_BATCH_MS)
        self._region_timer.timeout.connect(self._flush_regions)
        self._controller.region_listed.connect(self._queue_region)
        self._controller.region_dropped.connect(self._drop_region)
        self._controller.regions_waiting.connect(self.window.show_regions_waiting)
        self._controller.refresh_finished.connect(self._flush_regions)
        self._controller.tunnel_changed.connect(self.window.update_tunnel)
        self._controller.tunnels_polled.connect(self.window.update_tunnels)
        self._controller.tunnels_listed.connect(self.window.show_tunnels)
        self._watch_tunnel_figures()
        self._controller.notify.connect(self._show_notice)
        self._controller.first_run_help.connect(self.window.show_first_run)
        self._expiring: list[str] = []  # profiles the notice bar offers to sign in
        self.window.notice.action_requested.connect(self._sign_in_expiring)
        self.window.notice.dismissed.connect(self._forget_expiring)
        self._controller.refresh_started.connect(
            lambda: self.window.statusBar().showMessage(REFRESHING)
        )
        # The counts are the region summary's line; the status bar only says it is busy.
        self._controller.refresh_finished.connect(self._refresh_said_done)

    def _refresh_said_done(self) -> None:
        bar = self.window.statusBar()
        if bar.currentMessage() == REFRESHING:  # not a notice shown meanwhile
            bar.clearMessage()

    def _watch_tunnel_figures(self) -> None:
        """Fresh tunnel figures each second while the Tunnels tab or the tray menu shows
        them; nothing while neither does (tunnel_ticker.py)."""
        self.ticker = TunnelTicker(self._controller.poll_tunnels)
        self.window.tunnels.shown_changed.connect(
            lambda shown: self.ticker.watching("tunnels tab", shown)
        )
        if self.tray is not None:
            menu = self.tray.menu
            menu.aboutToShow.connect(lambda: self.ticker.watching("tray menu", True))
            menu.aboutToHide.connect(lambda: self.ticker.watching("tray menu", False))

    def _queue_region(self, result: RegionResult) -> None:
        # Each table update resets and re-filters every row, whatever the region's size:
        # regions answering close together are shown together (bench/ui.py: event-loop
        # stalls during a refresh of 21 regions × 480 instances).
        self._pending_regions[(result.profile, result.region)] = result
        if not self._region_timer.isActive():
            self._region_timer.start()

    def _flush_regions(self) -> None:
        self._region_timer.stop()
        results, self._pending_regions = list(self._pending_regions.values()), {}
        if not results:
            return
        self.window.show_regions((r.profile, r.region, r.instances, r.stale) for r in results)
        for result in results:
            if isinstance(result.error, SsoLoginRequiredError):
                self._offer_sso_sign_in(result.profile, result.region)
            elif result.error is not None:
                self.window.show_region_error(
                    result.profile, result.region, result.error.user_message
                )

    def _offer_sso_sign_in(self, profile: str, region: str) -> None:
        """An IAM Identity Center sign-in that ended is no error to read: the region waits
        for it, and the bar's "Sign in…" opens the browser (one sign-in per SSO session)."""
        self.window.show_regions_waiting([(profile, region)])
        if profile not in self._expiring:
            self._show_notice(
                Notice(
                    f"{profile}: sign in to IAM Identity Center (SSO)",
                    "Click Sign in… to open the sign-in page in your browser; its instances "
                    "are listed once you are signed in.",
                    sign_in=profile,
                )
            )

    def _sign_in_expiring(self) -> None:
        profiles, self._expiring = self._expiring, []
        self._controller.spawn(self._controller.sign_in_each(profiles))

    def _forget_expiring(self) -> None:
        self._expiring = []

    def _drop_region(self, profile: str, region: str) -> None:
        self._pending_regions.pop((profile, region), None)  # an answer still waiting
        self.window.drop_region(profile, region)

    def _show_notice(self, notice: Notice) -> None:
        """In the window too: the tray's notification is gone after a few seconds (and
        there may be no tray); a sign-in notice stays until answered."""
        if self.tray is None and self.notifications.connected:  # else the tray sends it
            self._controller.spawn(self._to_desktop(notice))
        if notice.sign_in:
            # Several profiles often expire together (a role signs in through another
            # profile's MFA session): one bar, one click, at most one code per MFA device.
            if notice.sign_in not in self._expiring:
                self._expiring.append(notice.sign_in)
            title = notice.title
            if len(self._expiring) > 1:
                title = f"Credentials of {', '.join(self._expiring)} expire soon"
            self.window.notice.show_notice(title, notice.message, "Sign in…")
        elif notice.stays:
            self.window.notice.show_notice(notice.title, notice.message)
        elif self.tray is None:
            self.window.statusBar().showMessage(f"{notice.title}: {notice.message}", 10_000)

    # --- dialogs --------------------------------------------------------------------------

    def open_window(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def open_favourites(self) -> None:
        """The Favourites dialog (window toolbar, tray menu); Save applies its edits."""
        dialog = FavouritesDialog(self._controller.settings.favourites, parent=self.window)
        dialog.accepted.connect(
            lambda: self._controller.save_favourites(dialog.result_favourites())
        )
        dialog.open()

    def open_settings(self) -> None:
        controller = self._controller
        profiles = controller.known_profiles()  # not only the chosen: they can be re-ticked
        sessions = controller.sso_session_names()
        sso_roles = (
            SsoRolesPage(
                sessions, controller.settings.sso_roles, controller.sso_accounts, controller.spawn
            )
            if sessions or controller.settings.sso_roles
            else None
        )
        dialog = SettingsDialog(
            controller.settings,
            profiles,
            region_choices=controller.region_choices(),
            accounts={profile: controller.account_name(profile) for profile in profiles},
            sso_roles=sso_roles,
            parent=self.window,
        )
        dialog.accepted.connect(lambda: self.save_settings(dialog.result_settings()))
        dialog.open()

    def save_settings(self, settings: Settings) -> None:
        """Save and apply, the profiles' colours included."""
        self._controller.save_settings(settings)
        if self.marks.update(self._controller.settings.profile_colours):
            self.window.model.marks_changed()
            self.window.tunnels.table.viewport().update()

    def ask_custom_port(self, instance: Instance, remote_host: bool = False) -> None:
        dialog = CustomPortDialog(instance, ask_remote_host=remote_host, parent=self.window)

        def connect() -> None:
            self._controller.spawn(
                self._controller.connect_custom(
                    instance, dialog.remote_port(), dialog.local_port(), dialog.remote_host()
                )
            )

        dialog.accepted.connect(connect)
        dialog.open()

    def add_favourite(self, instance: Instance, kind: TunnelKind) -> None:
        spec = spec_for(instance.profile, instance.region, instance.instance_id, kind)
        self._controller.add_favourite(spec, f"{kind.upper()} {instance.display_name}")


def copy_to_clipboard(text: str) -> None:
    QGuiApplication.clipboard().setText(text)
