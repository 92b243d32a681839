"""How fast the instance views are with 10,000 instances (offscreen Qt).

Figures: filtering per keystroke (median ms over typed searches, target ≤ 15 ms), and a full
refresh of 10,000 rows (ms, target ≤ 100 ms), both in the real InstancesWindow (shown offscreen),
painting included: keys are typed into the window's filter box and regions handed over as the
controller does, with a row selected (the window keeps it). The last line is JSON.

    python -m bench.ui_views
"""

from __future__ import annotations

import json
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from ssmgui.core.instance import Instance
from ssmgui.ui.instances_window import InstancesWindow
from tests.ui.sample_fleet import sample_fleet

COUNT = 10_000
TYPED = ("prod-web-12", "eu-west", "env=prod", "10.1", "win", "i-0a")
FILTER_TARGET_MS = 15.0
REFRESH_TARGET_MS = 100.0


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def settle(app: QApplication) -> None:
    """Handle events until the change is painted: a reset posts the view's relayout, which
    posts the repaint, so one pass would bill this keystroke's paint to the next one."""
    for _ in range(3):
        app.processEvents()


def _setup(app: QApplication) -> InstancesWindow:
    """The real window (its table, sort and header settings), shown offscreen."""
    window = InstancesWindow()
    window.resize(1200, 720)
    window.show()
    app.processEvents()
    return window


def measure_refresh(app: QApplication, instances: list[Instance]) -> list[float]:
    """One region of 10,000 rows replaced (a full refresh) as the controller hands it to the
    window, with a row selected (kept across the refresh), painting included."""
    window = _setup(app)
    window.show_regions([("prod", "eu-west-1", instances, False)])
    window.table.selectRow(5000)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        window.show_regions([("prod", "eu-west-1", instances, False)])
        settle(app)
        times.append(_ms(start))
    assert window.model.rowCount() == len(instances)
    return times


def measure_filter(app: QApplication, instances: list[Instance]) -> list[float]:
    """Each prefix of each typed search, then erased back, as keystrokes in the filter box,
    with the first matching row selected (the selection is kept while it matches)."""
    window = _setup(app)
    window.show_regions([("prod", "eu-west-1", instances, False)])
    app.processEvents()
    times = []
    for text in TYPED:
        window.filter_edit.setText(text)
        window.table.selectRow(0)
        window.filter_edit.clear()
        settle(app)
        prefixes = [text[:n] for n in range(1, len(text) + 1)]
        for typed in [*prefixes, *reversed(prefixes[:-1]), ""]:
            start = time.perf_counter()
            window.filter_edit.setText(typed)
            settle(app)
            times.append(_ms(start))
        assert window.model.rowCount() == len(instances)
    return times


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    instances = [i for region in sample_fleet(COUNT).values() for i in region]
    refresh = measure_refresh(app, instances)
    keystrokes = measure_filter(app, instances)
    figures = {
        "instances": len(instances),
        "filter_median_ms": round(statistics.median(keystrokes), 2),
        "filter_p90_ms": round(statistics.quantiles(keystrokes, n=10)[-1], 2),
        "filter_max_ms": round(max(keystrokes), 2),
        "filter_target_ms": FILTER_TARGET_MS,
        "refresh_median_ms": round(statistics.median(refresh), 2),
        "refresh_max_ms": round(max(refresh), 2),
        "refresh_target_ms": REFRESH_TARGET_MS,
    }
    print(f"filter per keystroke over {len(instances):,} instances ({len(keystrokes)} keys):")
    print(
        f"  median {figures['filter_median_ms']} ms, p90 {figures['filter_p90_ms']} ms, "
        f"max {figures['filter_max_ms']} ms (target ≤ {FILTER_TARGET_MS} ms median)"
    )
    print(
        f"full refresh of {len(instances):,} rows: median {figures['refresh_median_ms']} ms, "
        f"max {figures['refresh_max_ms']} ms (target ≤ {REFRESH_TARGET_MS} ms)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
