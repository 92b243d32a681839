"""The main window: every instance in one filterable table, region problems inline, and the
tunnels in a second tab.

Renders state given by the controller and emits requests; it never calls a service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QMenu,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ssmgui.core.instance import Instance, Platform
from ssmgui.core.instance_choices import InstanceChoice
from ssmgui.core.tunnel import TunnelKind, TunnelSnapshot
from ssmgui.ui.first_run import FirstRunPanel
from ssmgui.ui.icons import app_icon, kind_icon
from ssmgui.ui.instance_choice_menu import add_choice_entries
from ssmgui.ui.instance_delegate import InstanceCellDelegate
from ssmgui.ui.instance_details import InstanceDetails
from ssmgui.ui.instance_model import InstanceColumn, InstanceTableModel, startable
from ssmgui.ui.notice_bar import NoticeBar
from ssmgui.ui.region_status import RegionStatusPanel
from ssmgui.ui.shell_entry import shell_label, shell_problem
from ssmgui.ui.tunnels_view import TunnelsView

CONNECT_LABELS = {
    TunnelKind.RDP: "Remote Desktop (RDP)",
    TunnelKind.SSH: "SSH terminal",
    TunnelKind.HTTP: "Web page (HTTP)",
    TunnelKind.HTTPS: "Web page (HTTPS)",
}
#: Names every field a word is searched in (`ssmgui.core.instance.searched_fields`).
DETAILS_HEIGHT = 170  # the selected instance's details: every field, no scrolling
FILTER_HELP = "Filter: name, id, IP, platform, profile or region; env=prod for a tag"
_WIDTHS = {
    InstanceColumn.NAME: 195,
    InstanceColumn.ID: 170,
    InstanceColumn.PLATFORM: 210,  # "Microsoft Windows Server…", not "Microsoft Window…"
    InstanceColumn.STATUS: 140,  # the icon and "Connection lost"
    InstanceColumn.AGENT: 100,
    InstanceColumn.IP: 115,
    InstanceColumn.PROFILE: 135,  # room for the colour swatch and a name like demo-staging
}


class InstancesWindow(QMainWindow):
    """Instances of every profile and region, and the open tunnels.

    Requests: `default_action_requested(Instance)` (double-click / Enter),
    `connect_requested(Instance, TunnelKind)`, `custom_port_requested(Instance)`,
    `remote_host_requested(Instance)`, `favourite_requested(Instance, TunnelKind)`,
    `refresh_requested()`, `copy_requested(str)`; the tunnels tab's `stop_requested(int)` and
    `reopen_requested(int)` are on `self.tunnels`. Slots: `show_region`, `show_region_error`,
    `show_tunnels`, `update_tunnel`.
    """

    default_action_requested = Signal(object)
    connect_requested = Signal(object, object)
    custom_port_requested = Signal(object)
    remote_host_requested = Signal(object)
    favourite_requested = Signal(object, object)
    refresh_requested = Signal()
    copy_requested = Signal(str)
    choice_requested = Signal(object, object)  # Instance, InstanceChoice to remember
    windows_password_requested = Signal(object)  # Instance
    start_requested = Signal(object, object)  # Instance, TunnelKind: start it, then connect
    #: (the instance's remembered choice, the settings' SSH user), for the context menu;
    #: set by whoever knows the settings (None: no choice entries)
    choice_of: Callable[[Instance], tuple[InstanceChoice, str]] | None = None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("ssmgui — instances")
        self.setWindowIcon(app_icon())
        self.model = InstanceTableModel(self)
        self._remembered: tuple[str, str, str] | None = None

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText(FILTER_HELP)
        self.filter_edit.setToolTip(
            "Type part of a name, instance id, IP, platform, profile or region.\n"
            "key=value matches a tag exactly (env=prod); key= matches any instance with it.\n"
            'Quote a term with spaces: "team=data eng". Every term must match.'
        )
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.table = self._make_table()
        self.regions = RegionStatusPanel(self)
        self.tunnels = TunnelsView(self)
        self.tunnels.copy_requested.connect(self.copy_requested)

        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_action.setToolTip("Ask every region for its instances again (F5)")
        self.refresh_action.triggered.connect(self.refresh_requested)
        toolbar = QToolBar("Instances", self)
        toolbar.setMovable(False)
        toolbar.addWidget(self.filter_edit)
        toolbar.addActions(
            [self.refresh_action, self._make_details_action(), self._make_favourites_action()]
        )
        self.addToolBar(toolbar)
        # Ctrl+F (the platform's Find) from anywhere in the window: to the filter, its text
        # selected so typing replaces it.
        self.find_action = QAction("Find", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.find_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.find_action.triggered.connect(self.focus_filter)
        self.addAction(self.find_action)

        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        self.first_run = self._make_first_run(page)
        layout.addWidget(self.first_run, 1)
        layout.addWidget(self._make_splitter(page), 1)
        layout.addWidget(self.regions)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(page, "Instances")
        self.tabs.addTab(self.tunnels, "Tunnels")
        self.notice = NoticeBar(self)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.notice)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.model.modelAboutToBeReset.connect(self._remember_current)
        self.model.modelReset.connect(self._restore_current)
        self.model.modelReset.connect(self._update_counts)
        self._frame()
        self._update_counts()

    def _frame(self) -> None:
        """The default size, and a status bar that shows only while it has something to
        say ("Refreshing…", a notice with no tray): empty, it was a blank strip under the
        count line."""
        bar = self.statusBar()
        bar.messageChanged.connect(lambda text: bar.setVisible(bool(text)))
        bar.hide()
        self.resize(1200, 720)

    def _make_first_run(self, page: QWidget) -> FirstRunPanel:
        """The help shown instead of the table while there is no profile (hidden)."""
        panel = FirstRunPanel(page)
        panel.refresh_requested.connect(self.refresh_requested)
        panel.hide()
        return panel

    def _make_splitter(self, page: QWidget) -> QSplitter:
        """The table above the selected instance's details; dragging the handle down (or
        the Details button) collapses them. The details follow the selection and every
        fresh listing (a reset re-selects the same instance: _restore_current)."""
        self.details = InstanceDetails(page)
        self.details.copy_requested.connect(self.copy_requested)
        self.model.modelReset.connect(self._show_details)
        self.model.layoutChanged.connect(self._show_details)
        self.table.selectionModel().selectionChanged.connect(self._show_details)
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical, page)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 1)
        splitter.setCollapsible(0, False)
        splitter.setSizes([520, DETAILS_HEIGHT])
        self._details_selected = True  # as sized above; no selection yet shrinks them
        self._details_height = DETAILS_HEIGHT  # what a selection gets back
        splitter.splitterMoved.connect(
            lambda *_: self.details_action.setChecked(splitter.sizes()[1] > 0)
        )
        return splitter

    def _make_favourites_action(self) -> QAction:
        """Opens the favourites to rename, remove, reorder or start at launch (the surface
        connects it: favourites_dialog.py)."""
        self.favourites_action = action = QAction("Favourites…", self)
        action.setToolTip("Rename, remove, reorder or auto-start favourites")
        return action

    def _make_details_action(self) -> QAction:
        self.details_action = action = QAction("Details", self)
        action.setCheckable(True)
        action.setChecked(True)
        action.setToolTip("Show or hide the selected instance's details (tags, agent, IPs)")
        action.toggled.connect(self._toggle_details)
        return action

    def _toggle_details(self, shown: bool) -> None:
        sizes = self.splitter.sizes()
        if shown and sizes[1] == 0:
            self.splitter.setSizes([max(sizes[0] - DETAILS_HEIGHT, 100), DETAILS_HEIGHT])
            self._details_selected = True
            self._show_details()
        elif not shown and sizes[1] > 0:
            self.splitter.setSizes([sizes[0] + sizes[1], 0])

    def _show_details(self) -> None:
        instance = self.selected_instance()
        self.details.show_instance(instance)
        self._fit_details(selected=instance is not None)

    def _fit_details(self, *, selected: bool) -> None:
        """With nothing selected the details are one line of help, and the table gets the
        rest (an empty pane took a quarter of the window); a selection gives them back the
        height they had. Collapsed ones (Details off, handle dragged down) stay so."""
        sizes = self.splitter.sizes()
        if selected == self._details_selected or sizes[1] == 0:
            return
        self._details_selected = selected
        if selected:
            wanted = self._details_height
        else:
            self._details_height = max(sizes[1], DETAILS_HEIGHT)
            wanted = self.details.minimumSizeHint().height()
        self.splitter.setSizes([max(sum(sizes) - wanted, 100), wanted])

    def _make_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.model)
        table.setItemDelegate(InstanceCellDelegate(self.model, table))
        # After a reset or a sort the view lays its rows out on a zero timer, so the screen
        # was painted twice (once at once, once after the layout): ~12 ms each for a full
        # window. Laying out at once (before the selection is restored) paints once.
        self.model.modelReset.connect(table.executeDelayedItemsLayout)
        self.model.layoutChanged.connect(table.executeDelayedItemsLayout)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # default: online first
        header.setSortIndicatorClearable(True)
        table.setSortingEnabled(True)
        for column, width in _WIDTHS.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(InstanceColumn.REGION, QHeaderView.ResizeMode.Stretch)
        table.doubleClicked.connect(self._activated)
        enter = QAction("Connect", table)
        enter.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        enter.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        enter.triggered.connect(lambda: self._activated(table.currentIndex()))
        table.addAction(enter)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._show_menu)
        return table

    # --- rendering state -----------------------------------------------------------------

    def show_region(
        self, profile: str, region: str, instances: Iterable[Instance], stale: bool
    ) -> None:
        """The instances of one (profile, region); `stale` for a saved list shown instead."""
        rows = tuple(instances)
        self.model.replace_region(profile, region, rows, stale=stale)
        self.regions.set_region(profile, region, len(rows), stale=stale)

    def show_regions(self, updates: Iterable[tuple[str, str, Iterable[Instance], bool]]) -> None:
        """Several (profile, region, instances, stale) at once: one table reset for all."""
        batch = [(p, r, tuple(rows), stale) for p, r, rows, stale in updates]
        self.model.replace_regions(batch)
        for profile, region, rows, stale in batch:
            self.regions.set_region(profile, region, len(rows), stale=stale)

    def drop_region(self, profile: str, region: str) -> None:
        """(profile, region) is no longer chosen: its rows and its status line go."""
        self.model.remove_region(profile, region)
        self.regions.forget(profile, region)

    def show_region_error(self, profile: str, region: str, message: str) -> None:
        """Why (profile, region) could not be read; its saved rows, if any, stay."""
        self.regions.set_error(profile, region, message)

    def show_regions_waiting(self, pairs: Iterable[tuple[str, str]]) -> None:
        """These (profile, region)s wait for the person to sign in: said beside the rows of
        the others, until each one's answer or error comes."""
        for profile, region in pairs:
            self.regions.set_waiting(profile, region)

    def show_first_run(self, text: str) -> None:
        """No profile to list: `text` (rich text) says why and what to do, in place of the
        empty table and its "Looking for instances…"; "" puts the table back."""
        self.first_run.text.setText(text)
        self.first_run.setVisible(bool(text))
        self.splitter.setVisible(not text)  # the details' "Select an instance…" too
        self.regions.setVisible(not text)

    def show_tunnels(self, snapshots: Iterable[TunnelSnapshot]) -> None:
        listed = list(snapshots)
        self.tunnels.show_tunnels(listed)
        self._update_tunnel_tab(listed)

    def update_tunnel(self, snapshot: TunnelSnapshot) -> None:
        self.tunnels.update_snapshot(snapshot)
        self._update_tunnel_tab(self.tunnels.model.snapshots())

    def update_tunnels(self, snapshots: Iterable[TunnelSnapshot]) -> None:
        """Fresh figures for several rows (a poll while the tab shows): no state changed,
        so the tab's count stays."""
        self.tunnels.update_figures(snapshots)

    def selected_instance(self) -> Instance | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.instance_at(rows[0].row()) if rows else None

    def _update_tunnel_tab(self, snapshots: list[TunnelSnapshot]) -> None:
        live = sum(1 for snapshot in snapshots if not snapshot.state.is_final)
        self.tabs.setTabText(1, f"Tunnels ({live})" if live else "Tunnels")

    def _update_counts(self) -> None:
        # Into the region summary: one line of counts ("Showing 12 of 378 instances in 9
        # regions"), the status bar left for passing messages.
        shown, total = self.model.rowCount(), self.model.total()
        self.regions.set_filtered(None if shown == total else shown)

    def _remember_current(self) -> None:
        instance = self.selected_instance()
        self._remembered = (
            (instance.profile, instance.region, instance.instance_id) if instance else None
        )

    def _restore_current(self) -> None:
        # A refresh or a filter keystroke resets the model; keep the person's selection (and
        # keyboard position) on the same instance while it is shown.
        row = None if self._remembered is None else self.model.row_of(*self._remembered)
        if row is not None:
            self.table.selectRow(row)

    # --- requests ------------------------------------------------------------------------

    def focus_filter(self) -> None:
        """Show the instances and put the keyboard in the filter, its text selected."""
        self.tabs.setCurrentIndex(0)
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _filter_changed(self, text: str) -> None:
        self.model.set_filter_text(text)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.default_action_requested.emit(self.model.instance_at(index.row()))

    def _show_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        menu = self.instance_menu(self.model.instance_at(index.row()))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # popup(), not exec(): a nested event loop would break qasync (docs/architecture.md,
        # qasync trap 2).
        menu.popup(self.table.viewport().mapToGlobal(position))

    def instance_menu(self, instance: Instance) -> QMenu:
        """Every action for `instance`; each QAction emits one request when triggered.

        Tunnel actions are disabled, with the reason as tooltip, when the agent cannot
        forward ports; copying and favourites stay available.
        """
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        why = "" if instance.supports_port_forwarding else "The SSM Agent is too old for tunnels."
        for kind, label in CONNECT_LABELS.items():
            action = _add(menu, f"Connect: {label}", self._emitter_kind(instance, kind), why)
            action.setIcon(kind_icon(kind))
        shell = _add(menu, shell_label(instance), self._emitter_kind(instance, TunnelKind.SHELL))
        shell.setIcon(kind_icon(TunnelKind.SHELL))
        _disable(shell, shell_problem(instance))
        if startable(instance):
            menu.addSeparator()
            for kind, label in CONNECT_LABELS.items():
                start = self._emitter_start(instance, kind)
                _add(menu, f"Start and connect: {label}", start).setIcon(kind_icon(kind))
            menu.addSeparator()
        _add(menu, "Connect to another port…", self._emitter(instance, "custom"), why)
        _add(menu, "Reach a host behind this instance…", self._emitter(instance, "host"), why)
        menu.addSeparator()
        _add(menu, "Copy instance ID", lambda: self.copy_requested.emit(instance.instance_id))
        copy_ip = _add(
            menu, "Copy private IP", lambda: self.copy_requested.emit(instance.private_ip)
        )
        copy_ip.setEnabled(bool(instance.private_ip))
        favourites = menu.addMenu("Add to favourites")
        for kind, label in CONNECT_LABELS.items():
            _add(favourites, label, self._emitter_favourite(instance, kind))
        self._add_instance_entries(menu, instance)
        return menu

    def _add_instance_entries(self, menu: QMenu, instance: Instance) -> None:
        """The person's own choices for `instance`, and its Windows password."""
        menu.addSeparator()
        if self.choice_of is not None:
            choice, ssh_default = self.choice_of(instance)
            add_choice_entries(menu, instance, choice, ssh_default, self.choice_requested.emit)
        if instance.platform is Platform.WINDOWS:
            password = self.windows_password_requested
            hybrid = "On-premises (hybrid) nodes have no EC2 password." if instance.hybrid else ""
            _add(menu, "Get Windows password…", lambda: password.emit(instance), hybrid)

    def _emitter_kind(self, instance: Instance, kind: TunnelKind) -> Callable[[], None]:
        return lambda: self.connect_requested.emit(instance, kind)

    def _emitter_start(self, instance: Instance, kind: TunnelKind) -> Callable[[], None]:
        return lambda: self.start_requested.emit(instance, kind)

    def _emitter_favourite(self, instance: Instance, kind: TunnelKind) -> Callable[[], None]:
        return lambda: self.favourite_requested.emit(instance, kind)

    def _emitter(self, instance: Instance, which: str) -> Callable[[], None]:
        signal = self.custom_port_requested if which == "custom" else self.remote_host_requested
        return lambda: signal.emit(instance)


def _disable(action: QAction, because: str) -> None:
    """Disable `action` with `because` as its tooltip; nothing when `because` is ""."""
    if because:
        action.setEnabled(False)
        action.setToolTip(because)


def _add(menu: QMenu, text: str, emit: Callable[[], object], disabled_because: str = "") -> QAction:
    """An action that calls `emit` (ignoring `triggered`'s checked flag)."""
    action = menu.addAction(text)
    action.triggered.connect(lambda _checked=False: emit())
    if disabled_because:
        action.setEnabled(False)
        action.setToolTip(disabled_because)
    return action
