"""Which regions answered, which are showing a saved list, and which failed — inline, so a
refused permission in one account is visible next to the instances of the others."""

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
    """`error` "" when the region answered; `stale` when its rows come from the saved list."""

    count: int = 0
    stale: bool = False
    error: str = ""


class RegionStatusPanel(QWidget):
    """A one-line summary plus one line per region that needs attention (hidden if none)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._status: dict[RegionKey, RegionStatus] = {}
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
        for (profile, region), status in sorted(self._status.items()):
            text = _problem_text(profile, region, status)
            if text:
                item = QListWidgetItem(text)
                state = TunnelState.FAILED if status.error else TunnelState.RECONNECTING
                item.setIcon(state_icon(state))
                item.setForeground(QColor(STATE_COLOURS[state]))
                item.setToolTip(text)
                self.problems.addItem(item)
        self.problems.setVisible(self.problems.count() > 0)
        self.summary.setText(self._summary_text())

    def _summary_text(self) -> str:
        if not self._status:
            return "Looking for instances…"
        total = sum(status.count for status in self._status.values())
        failed = sum(1 for status in self._status.values() if status.error)
        stale = sum(1 for status in self._status.values() if status.stale and not status.error)
        parts = [f"{total:,} instances in {len(self._status)} regions"]
        if failed:
            parts.append(f"{failed} could not be read")
        if stale:
            parts.append(f"{stale} from the saved list")
        return " · ".join(parts)


def _problem_text(profile: str, region: str, status: RegionStatus) -> str:
    if status.error:
        saved = f" (showing {status.count} saved)" if status.stale and status.count else ""
        return f"{profile} / {region}: {status.error}{saved}"
    if status.stale:
        return f"{profile} / {region}: showing the saved list; the region has not answered yet"
    return ""
