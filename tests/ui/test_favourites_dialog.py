"""The Favourites dialog, driven with the mouse and keyboard on its live widgets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QWidget

from ssmgui.core.settings import Favourite
from ssmgui.core.tunnel import TunnelKind, spec_for
from ssmgui.ui.favourites_dialog import AUTO_START, EMPTY_TEXT, NAME, OPENS, FavouritesDialog

INSTANCE = "i-0123456789abcdef0"
FAVOURITES = (
    Favourite("SSH web", spec_for("prod", "eu-west-1", INSTANCE, TunnelKind.SSH)),
    Favourite("SSH web (2)", spec_for("dev", "eu-west-1", INSTANCE, TunnelKind.SSH)),
    Favourite("RDP jump", spec_for("dev", "us-east-1", INSTANCE, TunnelKind.RDP), True),
)


@pytest.fixture
def dialog(qapp: QApplication) -> Iterator[FavouritesDialog]:
    shown = FavouritesDialog(FAVOURITES)
    shown.show()
    shown.activateWindow()  # as a person's click would: the name editor keeps its focus
    assert QTest.qWaitForWindowActive(shown)
    yield shown
    shown.close()


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def cell_center(dialog: FavouritesDialog, row: int, column: int) -> QPoint:
    return dialog.table.visualRect(dialog.table.model().index(row, column)).center()


def name_editor(dialog: FavouritesDialog) -> QLineEdit:
    """The line edit open over a name cell (the only one the table opens)."""
    editors = [e for e in dialog.table.findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    return editors[0]


def select(dialog: FavouritesDialog, row: int) -> None:
    QTest.mouseClick(
        dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=cell_center(dialog, row, OPENS)
    )


def test_each_row_says_which_profile_and_region_it_opens(dialog: FavouritesDialog) -> None:
    opens = [dialog.table.item(row, OPENS).text() for row in range(3)]  # type: ignore[union-attr]
    assert opens[0] == f"SSH to {INSTANCE} in prod · eu-west-1"
    assert opens[1] == f"SSH to {INSTANCE} in dev · eu-west-1"
    assert "RDP" in opens[2] and "us-east-1" in opens[2]
    assert not dialog.empty.isVisible()


def test_rename_remove_reorder_and_auto_start_then_save(dialog: FavouritesDialog) -> None:
    # Rename the first by double-clicking its name and typing, as a person does.
    at = cell_center(dialog, 0, NAME)
    QTest.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=at)
    QTest.mouseDClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=at)
    editor = name_editor(dialog)
    editor.selectAll()
    QTest.keyClicks(editor, "Web in prod")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits the name in a queued call
    assert dialog.table.item(0, NAME).text() == "Web in prod"  # type: ignore[union-attr]
    # Start the second at launch: the Space bar on its box.
    select(dialog, 1)
    dialog.table.setCurrentCell(1, AUTO_START)
    QTest.keyClick(dialog.table, Qt.Key.Key_Space)
    # Move the third up, then remove what is now the last one (the dev SSH).
    select(dialog, 2)
    assert dialog.up_button.isEnabled() and not dialog.down_button.isEnabled()
    click(dialog.up_button)
    select(dialog, 2)
    click(dialog.remove_button)
    click(dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert not dialog.isVisible()
    result = dialog.result_favourites()
    assert [(f.name, f.spec.profile, f.kind, f.auto_start) for f in result] == [
        ("Web in prod", "prod", TunnelKind.SSH, False),
        ("RDP jump", "dev", TunnelKind.RDP, True),
    ]


def test_rename_button_opens_the_name_for_editing(dialog: FavouritesDialog) -> None:
    select(dialog, 1)
    click(dialog.rename_button)
    editor = name_editor(dialog)
    assert editor.text() == "SSH web (2)"
    editor.clear()  # an empty name keeps the old one
    QTest.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert dialog.result_favourites()[1].name == "SSH web (2)"


def test_cancel_keeps_nothing_and_an_empty_list_says_how_to_add(qapp: QApplication) -> None:
    empty = FavouritesDialog(())
    empty.show()
    assert empty.empty.isVisible() and empty.empty.text() == EMPTY_TEXT
    assert not empty.remove_button.isEnabled() and not empty.rename_button.isEnabled()
    click(empty.buttons.button(QDialogButtonBox.StandardButton.Cancel))
    assert not empty.isVisible() and empty.result() == 0
