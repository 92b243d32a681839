"""The filter's placeholder says where a word is searched, and the filter searches there:
a word typed that only one instance's platform, or profile, holds finds that one instance."""

from __future__ import annotations

import pytest
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from ssmgui.core.instance import Platform
from ssmgui.ui.instances_window import InstancesWindow
from tests.ui.sample_fleet import make_instance

TARGET = make_instance(
    "i-0aaaaaaaaaaaaaaa1", "alpha", platform=Platform.MACOS, ip="10.9.9.9",
    profile="billing", region="ap-south-2",
)  # fmt: skip
OTHER = make_instance("i-0bbbbbbbbbbbbbbb2", "beta", ip="10.1.1.1", profile="prod")

#: The placeholder's word for each field, and a word only TARGET holds there.
FIELDS = {
    "name": "alpha",
    "id": "aaaaaaa1",
    "IP": "10.9.9",
    "platform": "macos",
    "profile": "billing",
    "region": "ap-south",
}


@pytest.fixture
def window(qtbot: QtBot) -> InstancesWindow:
    window = InstancesWindow()
    qtbot.addWidget(window)
    window.show_region("billing", "ap-south-2", [TARGET], False)
    window.show_region("prod", "eu-west-1", [OTHER], False)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.mark.parametrize(("field", "word"), FIELDS.items())
def test_each_field_the_placeholder_names_is_searched(
    window: InstancesWindow, field: str, word: str
) -> None:
    placeholder = window.filter_edit.placeholderText()
    assert field in placeholder
    QTest.keyClicks(window.filter_edit, word)
    assert window.model.rowCount() == 1
    assert window.model.instance_at(0) == TARGET
