"""The ticker polls while someone looks, at once when they start, and never otherwise."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ssmgui.ui.tunnel_ticker import TunnelTicker


def test_it_polls_while_any_watcher_shows_and_stops_with_the_last(qtbot: QtBot) -> None:
    polls: list[int] = []
    ticker = TunnelTicker(lambda: polls.append(1), interval_ms=20)
    assert not ticker.is_running()
    ticker.watching("tab", True)
    assert polls == [1] and ticker.is_running()  # fresh figures at once
    qtbot.waitUntil(lambda: len(polls) >= 3, timeout=2000)
    ticker.watching("tray menu", True)
    ticker.watching("tab", False)
    assert ticker.is_running()  # the menu still shows them
    ticker.watching("tray menu", False)
    assert not ticker.is_running()
    before = len(polls)
    qtbot.wait(100)
    assert len(polls) == before  # nothing while nobody looks
