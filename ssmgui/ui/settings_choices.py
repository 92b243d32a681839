"""Two parts of the settings dialog: the regions checklist and the profile marks.

`RegionChecklist` offers "Each profile's own region" and every region of the partition (the
list comes from the caller, who asks botocore); `chosen()` is what `Settings.regions` holds.
`MarksEditor` gives each profile a colour and holds the "ask before connecting" toggle.
Both hand back the original value when nothing was touched, so opening and closing the
dialog never rewrites a hand-edited settings file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ssmgui.core.profile_marks import MARK_COLOURS, mark_colour, profile_label
from ssmgui.core.regions import OWN_REGIONS, named_regions, uses_own_regions
from ssmgui.ui.profile_marks import swatch_icon

OWN_REGIONS_TEXT = "Each profile's own region (from its AWS configuration)"
CONFIRM_TEXT = "Ask before connecting to a profile with a colour"
_CHECKED, _UNCHECKED = Qt.CheckState.Checked, Qt.CheckState.Unchecked
_DATA = Qt.ItemDataRole.UserRole


class RegionChecklist(QListWidget):
    """Regions to list, ticked: the first row is "each profile's own region"."""

    def __init__(
        self, chosen: tuple[str, ...], choices: Iterable[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._original = chosen
        self._add(OWN_REGIONS_TEXT, OWN_REGIONS, uses_own_regions(chosen))
        named = named_regions(chosen)
        for region in sorted(set(choices) | set(named)):
            self._add(region, region, region in named)

    def _add(self, text: str, region: str, checked: bool) -> None:
        item = QListWidgetItem(text, self)
        item.setData(_DATA, region)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(_CHECKED if checked else _UNCHECKED)

    def item_for(self, region: str) -> QListWidgetItem | None:
        """The row of `region` (or of `OWN_REGIONS`)."""
        rows = (self.item(row) for row in range(self.count()))
        return next((item for item in rows if item.data(_DATA) == region), None)

    def set_checked(self, region: str, checked: bool) -> None:
        item = self.item_for(region)
        if item is not None:
            item.setCheckState(_CHECKED if checked else _UNCHECKED)

    def chosen(self) -> tuple[str, ...]:
        """As `Settings.regions` holds it: () for "each profile's own region" alone (or
        nothing ticked); the regions kept in their former order, new ones after."""
        rows = (self.item(row) for row in range(self.count()))
        ticked = [str(item.data(_DATA)) for item in rows if item.checkState() == _CHECKED]
        kept = [region for region in self._original if region in ticked]
        result = tuple(kept + [region for region in ticked if region not in kept])
        return () if result in ((), (OWN_REGIONS,)) else result


class MarksEditor(QWidget):
    """A colour per profile, and whether to ask before connecting to a marked one.

    `accounts` (profile → account id or alias, where known) only labels the rows."""

    def __init__(
        self,
        colours: Mapping[str, str],
        confirm: bool,
        profiles: Iterable[str],
        accounts: Mapping[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._original = dict(colours)
        self.combos: dict[str, QComboBox] = {}
        form = QFormLayout()
        for profile in dict.fromkeys([*profiles, *colours]):
            self.combos[profile] = _colour_combo(mark_colour(profile, colours))
            label = profile_label(profile, (accounts or {}).get(profile, ""))
            form.addRow(f"{label}:", self.combos[profile])
        self.confirm_check = QCheckBox(CONFIRM_TEXT)
        self.confirm_check.setChecked(confirm)
        note = QLabel(
            "Profiles whose name has prod, production, prd or live as a word are red unless "
            "you choose otherwise. The colour shows in the instances and tunnels tables and "
            "in the tray menu."
        )
        note.setWordWrap(True)
        note.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.confirm_check)
        layout.addStretch(1)

    def set_colour(self, profile: str, colour: str) -> None:
        combo = self.combos[profile]
        combo.setCurrentIndex(max(combo.findData(colour), 0))

    def colours(self) -> dict[str, str]:
        """As `Settings.profile_colours` holds it: only what differs from the default rule,
        and whatever the file said before for a profile left as it was."""
        result = {p: c for p, c in self._original.items() if p not in self.combos}
        for profile, combo in self.combos.items():
            picked = str(combo.currentData())
            if picked != mark_colour(profile, {}) or self._original.get(profile) == picked:
                result[profile] = picked
        return result


def _colour_combo(current: str) -> QComboBox:
    combo = QComboBox()
    for name, colour in MARK_COLOURS:
        combo.addItem(swatch_icon(colour), name, colour)
    if combo.findData(current) < 0:  # a colour typed into the file by hand
        combo.addItem(swatch_icon(current), current, current)
    combo.setCurrentIndex(combo.findData(current))
    return combo
