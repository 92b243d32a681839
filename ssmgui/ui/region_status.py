"""Which regions answered, which are showing a saved list, which wait for the person to sign
in, and which failed — inline, so a refused permission in one account is visible next to the
instances of the others. Its summary is the window's one line of counts (how many instances
in how many regions, how many the filter shows)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ssmgui.core.tunnel import TunnelState
from ssmgui.ui.icons import STATE_COLOURS, state_icon

RegionKey = tuple[str, str]


@dataclass(frozen=True)
class RegionStatus:
    """`error` "" when the region answered; `stale` when its rows come from the saved list;
    `waiting` while it cannot be listed before the person signs in (an MFA code)."""

    count: int = 0
    stale: bool = False
    error: str = ""
    waiting: bool = False


class RegionStatusPanel(QWidget):
    """A one-line summary plus one line per region that needs attention (hidden if none)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._status: dict[RegionKey, RegionStatus] = {}
        self._filtered: int | None = None  # rows the filter shows; None: no filter narrows
        self.summary = QLabel(self)
        self.summary.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.problems = QListWidget(self)
        self.problems.setMaximumHeight(96)
        self.problems.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.problems.setIconSize(QSize(12, 12))
        self.problems.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.problems)
        layout.addWidget(self.summary)
        self._render()

    def set_region(self, profile: str, region: str, count: int, *, stale: bool) -> None:
        """The region answered (or, if `stale`, a saved list stands in for it)."""
        old = self._status.get((profile, region), RegionStatus())
        error = old.error if stale else ""  # a fresh answer clears an earlier error
        self._status[(profile, region)] = RegionStatus(count, stale, error)
        self._render()

    def set_error(self, profile: str, region: str, message: str) -> None:
        old = self._status.get((profile, region), RegionStatus())
        self._status[(profile, region)] = RegionStatus(old.count, old.stale, message)
        self._render()

    def set_waiting(self, profile: str, region: str) -> None:
        """The region waits for the person's sign-in; its answer or error ends the wait."""
        old = self._status.get((profile, region), RegionStatus())
        self._status[(profile, region)] = RegionStatus(old.count, old.stale, waiting=True)
        self._render()

    def set_filtered(self, shown: int | None) -> None:
        """The filter shows `shown` of the instances (None: all of them)."""
        if shown != self._filtered:
            self._filtered = shown
            self._render()

    def forget(self, profile: str, region: str) -> None:
        """The region is no longer shown at all."""
        if self._status.pop((profile, region), None) is not None:
            self._render()

    def status(self, profile: str, region: str) -> RegionStatus | None:
        return self._status.get((profile, region))

    def problem_texts(self) -> list[str]:
        return [self.problems.item(row).text() for row in range(self.problems.count())]

    def _render(self) -> None:
        self.problems.clear()
        for text in self._waiting_texts():
            self._add_problem(text, TunnelState.STARTING)
        for text, state in self._problem_lines():
            self._add_problem(text, state)
        self.problems.setVisible(self.problems.count() > 0)
        self.summary.setText(self._summary_text())

    def _problem_lines(self) -> list[tuple[str, TunnelState]]:
        """One line per profile and problem, naming its regions: a cancelled sign-in said
        the same thing once per region, three lines where one says it."""
        regions: dict[tuple[str, str, TunnelState], list[str]] = {}
        for (profile, region), status in sorted(self._status.items()):
            text = "" if status.waiting else _problem_text(status)
            if text:
                state = TunnelState.FAILED if status.error else TunnelState.RECONNECTING
                regions.setdefault((profile, text, state), []).append(region)
        return [
            (f"{profile} / {', '.join(names)}: {text}", state)
            for (profile, text, state), names in regions.items()
        ]

    def _add_problem(self, text: str, state: TunnelState) -> None:
        item = QListWidgetItem(text)
        item.setIcon(state_icon(state))
        item.setForeground(QColor(STATE_COLOURS[state]))
        item.setToolTip(text)
        self.problems.addItem(item)

    def _waiting_texts(self) -> list[str]:
        """One line per profile waiting for its sign-in, naming its regions."""
        waiting: dict[str, list[str]] = {}
        for (profile, region), status in sorted(self._status.items()):
            if status.waiting:
                waiting.setdefault(profile, []).append(region)
        return [
            f"{profile} / {', '.join(regions)}: waiting for you to sign in (MFA code or SSO)"
            " — listed as soon as you do"
            for profile, regions in waiting.items()
        ]

    def _summary_text(self) -> str:
        statuses = self._status.values()
        listed = [s for s in statuses if not s.waiting or s.count]
        # Profiles wait (one sign-in each), whatever number of regions they hold up.
        waiting = len({profile for (profile, _), s in self._status.items() if s.waiting})
        if not listed and not waiting:
            return "Looking for instances…"
        failed = sum(1 for status in statuses if status.error)
        stale = sum(1 for status in statuses if status.stale and not status.error)
        parts = [self._count_text()] if listed else []
        if waiting:
            parts.append(f"{_counted(waiting, 'profile')} waiting for sign-in")
        if failed:
            parts.append(f"{failed} could not be read")
        if stale:
            parts.append(f"{stale} from the saved list")
        return " · ".join(parts)

    def _count_text(self) -> str:
        """Such as "378 instances of 3 profiles in 3 regions": regions told apart by name —
        the demo's 3 profiles × 3 regions were "in 9 regions" when each pair was counted."""
        listed = {key: s for key, s in self._status.items() if not s.waiting or s.count}
        total = sum(status.count for status in listed.values())
        profiles = {profile for profile, _ in listed}
        where = f"in {_counted(len({region for _, region in listed}), 'region')}"
        if len(profiles) > 1:
            where = f"of {len(profiles)} profiles {where}"
        if self._filtered is None:
            return f"{total:,} instances {where}"
        return f"Showing {self._filtered:,} of {total:,} instances {where}"


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _problem_text(status: RegionStatus) -> str:
    """What is wrong with one region ("" if nothing), without its profile and name."""
    if status.error:
        saved = f" (showing {status.count} saved)" if status.stale and status.count else ""
        return f"{status.error}{saved}"
    if status.stale:
        return "showing the saved list; the region has not answered yet"
    return ""
