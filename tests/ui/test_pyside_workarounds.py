"""The PySide6 6.12.0 reference bugs stay harmless once the workaround is installed."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QStringListModel, Signal
from pytestqt.qtbot import QtBot

from ssmgui.ui import pyside_workarounds


class _Emitter(QObject):
    fired = Signal(int)


def test_install_is_idempotent_and_only_for_old_pythons() -> None:
    expected = sys.version_info < (3, 12)
    assert pyside_workarounds.install() is expected
    assert pyside_workarounds.install() is expected


def test_many_emits_and_none_returning_data_calls_survive(qtbot: QtBot) -> None:
    pyside_workarounds.install()
    emitter = _Emitter()
    model = QStringListModel(["a"])
    for _ in range(20_000):  # several times what used to abort the process
        emitter.fired.emit(1)
        model.index(0, 0).data(1234)  # a role with no data: None through C++
    assert sys.getrefcount(None) > 0
