"""The tray icon and its menu, rebuilt from the controller's state each time it opens.

The menu is built on `aboutToShow` (Vorta's habit), so it is never stale and costs nothing
while closed. The icon shows the worst tunnel state: failed, then reconnecting, then active.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from PySide6.QtGui import QAction, QGuiApplication, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from ssmgui.core.instance import Instance, Platform, sort_instances
from ssmgui.core.profile_marks import favourite_label, profile_label
from ssmgui.core.tunnel import TunnelKind, TunnelSnapshot, TunnelState
from ssmgui.core.tunnel_figures import throughput
from ssmgui.ui import icons
from ssmgui.ui.controller import AppController, Notice
from ssmgui.ui.desktop_notifications import DesktopNotifications
from ssmgui.ui.instance_model import startable
from ssmgui.ui.profile_marks import ProfileMarks
from ssmgui.ui.shell_entry import shell_label, shell_problem
from ssmgui.ui.tunnels_model import (
    MENU_TITLE_CHARS,
    elide_middle,
    tunnel_facts,
    tunnel_line,
    tunnel_traffic,
)

MAX_INSTANCES_PER_REGION = 25
#: A submenu's lines to read (a client's fate, why a tunnel failed) past this many
#: characters are cut: a long error would push the submenu off the screen.
NOTE_CHARS = 70
RATE_SAMPLE_MAX_S = 3.0  # samples further apart give an average, not a current rate
KIND_ACTIONS = (TunnelKind.RDP, TunnelKind.SSH, TunnelKind.HTTP, TunnelKind.HTTPS)


def tray_state(tunnels: Iterable[TunnelSnapshot]) -> str:
    states = {t.state for t in tunnels}
    if TunnelState.FAILED in states:
        return "failed"
    if TunnelState.RECONNECTING in states:
        return "reconnecting"
    if TunnelState.READY in states:
        return "active"
    return "idle"


def live_count(tunnels: Iterable[TunnelSnapshot]) -> int:
    """How many tunnels have not ended (starting, ready or reconnecting)."""
    return sum(1 for tunnel in tunnels if not tunnel.state.is_final)


def expiry_text(expires_at: datetime | None, now: datetime) -> str:
    if expires_at is None:
        return "signed in"
    left = (expires_at - now).total_seconds()
    if left <= 0:
        return "expired"
    hours, minutes = int(left // 3600), int(left % 3600 // 60)
    return f"expires in {hours} h {minutes:02d} min" if hours else f"expires in {minutes} min"


class TrayMenu:
    """Builds the menu's actions from the controller; actions call back into it."""

    def __init__(
        self,
        controller: AppController,
        *,
        open_window: Callable[[], None],
        open_settings: Callable[[], None],
        quit_app: Callable[[], None],
        ask_custom_port: Callable[[Instance], None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        marks: ProfileMarks | None = None,
        open_favourites: Callable[[], None] | None = None,
        start_and_connect: Callable[[Instance, TunnelKind], None] | None = None,
    ) -> None:
        self._controller = controller
        self._start_and_connect = start_and_connect
        self._open_favourites = open_favourites
        self.marks = marks or ProfileMarks()  # a marked profile's entries carry its colour
        self.open_window = open_window
        self._open_settings = open_settings
        self._quit = quit_app
        self._ask_custom_port = ask_custom_port
        self._clock = clock
        # The shown menu's tunnel entries (each: its title line, then its submenu's lines of
        # traffic, facts and client), retitled in place by `refresh_tunnels` (a rebuilt menu
        # would close the submenu the person is in); the snapshots they show, for rates.
        self._tunnel_entries: dict[int, tuple[QAction, QAction, QAction, QAction]] = {}
        self._shown: dict[int, TunnelSnapshot] = {}

    def fill(self, menu: QMenu) -> None:
        menu.clear()
        self._favourites(menu)
        self._instances(menu)
        self._tunnels(menu)
        self._credentials(menu)
        menu.addSeparator()
        refresh = menu.addAction("Refreshing…" if self._controller.refreshing else "Refresh")
        refresh.setEnabled(not self._controller.refreshing)
        refresh.triggered.connect(lambda: self._controller.spawn(self._controller.refresh()))
        menu.addAction("Open window").triggered.connect(self.open_window)
        if self._open_favourites is not None:
            menu.addAction("Favourites…").triggered.connect(self._open_favourites)
        menu.addAction("Settings…").triggered.connect(self._open_settings)
        menu.addAction("Quit (stops all tunnels)").triggered.connect(self._quit)

    def _favourites(self, menu: QMenu) -> None:
        controller = self._controller
        for favourite in controller.settings.favourites:
            profile = favourite.spec.profile
            label = favourite_label(favourite.name, profile, controller.account_name(profile))
            icon = self.marks.icon(profile) or icons.kind_icon(favourite.kind)
            action = menu.addAction(icon, f"★ {label}")
            action.triggered.connect(
                lambda _=False, f=favourite: controller.spawn(controller.open_favourite(f))
            )
        if controller.settings.favourites:
            menu.addSeparator()

    def _instances(self, menu: QMenu) -> None:
        by_profile: dict[str, dict[str, list[Instance]]] = {}
        for (profile, region), result in sorted(self._controller.regions.items()):
            by_profile.setdefault(profile, {})[region] = list(result.instances)
        if not by_profile:
            placeholder = menu.addAction("No instances yet: Refresh")
            placeholder.setEnabled(False)
        for profile, regions in by_profile.items():
            label = profile_label(profile, self._controller.account_name(profile))
            icon = self.marks.icon(profile)
            profile_menu = menu.addMenu(icon, label) if icon else menu.addMenu(label)
            for region, instances in regions.items():
                self._region_menu(profile_menu.addMenu(f"{region} ({len(instances)})"), instances)

    def _region_menu(self, menu: QMenu, instances: list[Instance]) -> None:
        ordered = sort_instances(instances)
        for instance in ordered[:MAX_INSTANCES_PER_REGION]:
            title = f"{instance.display_name}  ({instance.instance_id})"
            submenu = menu.addMenu(icons.platform_icon(instance.platform), title)
            can_start = self._start_and_connect is not None and startable(instance)
            submenu.setEnabled(instance.online or can_start)
            if can_start:
                self._start_actions(submenu, instance)
            else:
                self._connect_actions(submenu, instance)
        if len(ordered) > MAX_INSTANCES_PER_REGION:
            more = menu.addAction(f"All {len(ordered)} instances in the window…")
            more.triggered.connect(self.open_window)

    def _start_actions(self, menu: QMenu, instance: Instance) -> None:
        """A stopped instance: start it, then connect (instance_start_ui.py)."""
        start = self._start_and_connect
        assert start is not None
        default = self._controller.default_kind(instance)
        for kind in KIND_ACTIONS:
            label = f"Start and connect {kind.upper()}" + ("  (default)" if kind is default else "")
            action = menu.addAction(icons.kind_icon(kind), label)
            action.triggered.connect(lambda _=False, k=kind: start(instance, k))

    def _connect_actions(self, menu: QMenu, instance: Instance) -> None:
        controller = self._controller
        default = controller.default_kind(instance)
        for kind in KIND_ACTIONS:
            label = f"Connect {kind.upper()}" + ("  (default)" if kind is default else "")
            action = menu.addAction(icons.kind_icon(kind), label)
            action.triggered.connect(
                lambda _=False, k=kind: controller.spawn(controller.open_tunnel(instance, k))
            )
        if controller.offers_shell:
            shell = shell_label(instance) + ("  (default)" if default is TunnelKind.SHELL else "")
            action = menu.addAction(icons.kind_icon(TunnelKind.SHELL), shell)
            action.triggered.connect(lambda: controller.spawn(controller.open_shell(instance)))
            if why := shell_problem(instance):  # the tray shows no tooltips: said in the text
                action.setEnabled(False)
                action.setText(f"{shell_label(instance)} (agent too old)")
                action.setToolTip(why)
        menu.addAction("Custom port…").triggered.connect(lambda: self._ask_custom_port(instance))
        if instance.platform is Platform.WINDOWS and not instance.hybrid:  # EC2 ones only
            menu.addAction("Get Windows password…").triggered.connect(
                lambda: controller.spawn(controller.windows_password(instance))
            )

    def _tunnels(self, menu: QMenu) -> None:
        self._tunnel_entries.clear()
        live = [t for t in self._controller.tunnels.values() if not t.state.is_final]
        failed = [t for t in self._controller.tunnels.values() if t.state is TunnelState.FAILED]
        if not live and not failed:
            return
        menu.addSeparator()
        header = menu.addAction(f"Tunnels: {len(live)} open")
        header.setEnabled(False)
        for tunnel in [*live, *failed]:
            self._tunnel_menu(menu, tunnel)
        if failed:
            menu.addAction("Clear finished tunnels").triggered.connect(
                self._controller.clear_finished
            )

    def refresh_tunnels(self, snapshots: Iterable[TunnelSnapshot]) -> None:
        """Retitle the shown entries with fresh figures (while the menu is open)."""
        for snapshot in snapshots:
            entry = self._tunnel_entries.get(snapshot.tunnel_id)
            if entry is not None:
                title, traffic, facts, client = entry
                title.setText(tunnel_line(snapshot))
                traffic.setText(tunnel_traffic(snapshot))
                facts.setText(self._facts(snapshot))
                client.setText(elide_middle(snapshot.client, NOTE_CHARS))
                client.setVisible(bool(snapshot.client))

    def _facts(self, tunnel: TunnelSnapshot) -> str:
        """The entry's line of facts; its rate compares with the sample shown before, when
        that is a recent one (a menu opened again after an hour has no current rate yet)."""
        before = self._shown.get(tunnel.tunnel_id)
        elapsed = tunnel.uptime_s - before.uptime_s if before is not None else 0.0
        if before is not None and elapsed <= 0:
            return tunnel_facts(tunnel, None)
        self._shown[tunnel.tunnel_id] = tunnel
        recent = before is not None and elapsed <= RATE_SAMPLE_MAX_S
        return tunnel_facts(tunnel, throughput(before, tunnel) if recent else None)

    def _tunnel_menu(self, menu: QMenu, tunnel: TunnelSnapshot) -> None:
        controller = self._controller
        icon = self.marks.icon(tunnel.spec.profile) or icons.kind_icon(tunnel.spec.kind)
        # The entry stays short (title and state); the figures are lines of its submenu,
        # so the menu neither widens as they move nor grows past the screen's edge.
        submenu = menu.addMenu(icon, tunnel_line(tunnel))
        if len(tunnel.spec.title) > MENU_TITLE_CHARS:  # the entry cut it: here it is whole
            _note(submenu, elide_middle(tunnel.spec.title, NOTE_CHARS))
        traffic = _note(submenu, tunnel_traffic(tunnel))
        facts = _note(submenu, self._facts(tunnel))
        client = _note(submenu, elide_middle(tunnel.client, NOTE_CHARS))
        client.setVisible(bool(tunnel.client))
        entry = (submenu.menuAction(), traffic, facts, client)
        self._tunnel_entries[tunnel.tunnel_id] = entry
        if tunnel.detail:
            _note(submenu, elide_middle(tunnel.detail, NOTE_CHARS))
        submenu.addSeparator()
        if tunnel.state is TunnelState.READY:
            if tunnel.spec.kind is not TunnelKind.CUSTOM:  # a custom port has no client
                submenu.addAction("Open client").triggered.connect(
                    lambda: controller.spawn(controller.reopen_client(tunnel.tunnel_id))
                )
            submenu.addAction("Copy address").triggered.connect(lambda: _copy(tunnel.address))
        if not tunnel.state.is_final:
            submenu.addAction("Stop").triggered.connect(
                lambda: controller.spawn(controller.stop_tunnel(tunnel.tunnel_id))
            )

    def _credentials(self, menu: QMenu) -> None:
        controller = self._controller
        if not controller.credentials:
            return
        menu.addSeparator()
        now = self._clock()
        for profile, status in sorted(controller.credentials.items()):
            text = "sign in needed" if status.needs_login else expiry_text(status.expires_at, now)
            icon = self.marks.icon(profile)
            title = f"{profile}: {text}"
            submenu = menu.addMenu(icon, title) if icon else menu.addMenu(title)
            submenu.addAction("Sign in…").triggered.connect(
                lambda _=False, p=profile: controller.spawn(controller.sign_in(p))
            )
            submenu.addAction("Forget credentials").triggered.connect(
                lambda _=False, p=profile: controller.spawn(controller.forget(p))
            )


def tray_icon_for_platform(state: str, platform: str) -> QIcon:
    """Coloured icons on Windows and Linux; on macOS the monochrome template images, marked
    as a mask so the menu bar tints them for light and dark appearance."""
    if platform != "darwin":
        return icons.tray_icon(state)
    icon = QIcon()
    for name in (f"{state}Template.png", f"{state}Template@2x.png"):
        path = icons.resources_dir() / "tray" / name
        if path.exists():
            icon.addFile(str(path))
    icon.setIsMask(True)
    return icon


def _note(menu: QMenu, text: str) -> QAction:
    """A line to read in `menu`, not to click."""
    action = menu.addAction(text)
    action.setEnabled(False)
    return action


def _copy(text: str) -> None:
    clipboard = QGuiApplication.clipboard()
    clipboard.setText(text)


class TrayIcon:
    """The system tray icon; where no tray exists the window is the main surface instead."""

    def __init__(self, controller: AppController, menu: TrayMenu, parent: QWidget | None) -> None:
        self._controller = controller
        self._menu_builder = menu
        self.menu = QMenu(parent)
        self.menu.aboutToShow.connect(lambda: menu.fill(self.menu))
        menu.fill(self.menu)  # some platforms read the menu before it is first shown
        self._state = "idle"
        self.icon = QSystemTrayIcon(self._icon_for("idle"))
        self.icon.setToolTip("ssmgui — no tunnels")
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.messageClicked.connect(self._notice_clicked)
        self._last_notice: Notice | None = None
        # Set once the desktop's notification service answered (desktop_notifications.py):
        # notices go there, to its notification centre; the balloon is the fallback.
        self.desktop: DesktopNotifications | None = None
        controller.tunnel_changed.connect(self._update_icon)
        controller.tunnels_listed.connect(self._update_icon)
        controller.tunnels_polled.connect(menu.refresh_tunnels)
        controller.notify.connect(self._notify)

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        self.icon.show()

    def _icon_for(self, state: str) -> QIcon:
        return tray_icon_for_platform(state, sys.platform)

    def _update_icon(self, _snapshot: object = None) -> None:
        tunnels = self._controller.tunnels.values()
        state = tray_state(tunnels)
        if state != self._state:  # the tray host redraws on every setIcon: only on a change
            self._state = state
            self.icon.setIcon(self._icon_for(state))
        count = live_count(tunnels)
        opened = f"{count} tunnel{'s' if count != 1 else ''} open" if count else "no tunnels"
        self.icon.setToolTip(f"ssmgui — {opened}" + (f" ({state})" if count else ""))

    def _notify(self, notice: Notice) -> None:
        if self.desktop is not None and self.desktop.connected:
            self._controller.spawn(self._notify_desktop(self.desktop, notice))
        else:
            self._balloon(notice)

    async def _notify_desktop(self, desktop: DesktopNotifications, notice: Notice) -> None:
        if not await desktop.show(notice):
            self._balloon(notice)

    def _balloon(self, notice: Notice) -> None:
        self._last_notice = notice  # the OS shows one notification of ours at a time
        if self.icon.supportsMessages():
            self.icon.showMessage(
                notice.title, notice.message, QSystemTrayIcon.MessageIcon.Information, 8000
            )

    def _notice_clicked(self) -> None:
        """A click on our notification: sign in when it offered that, else the window."""
        notice, self._last_notice = self._last_notice, None
        if notice is not None and notice.sign_in:
            self._controller.spawn(self._controller.sign_in(notice.sign_in))
        else:
            self._menu_builder.open_window()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # Windows and Linux users expect a left click to open the window; on macOS a click
        # opens the menu, which Qt does by itself.
        if sys.platform != "darwin" and reason is QSystemTrayIcon.ActivationReason.Trigger:
            self._menu_builder.open_window()
