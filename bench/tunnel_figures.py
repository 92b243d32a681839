"""What the once-a-second refresh of live tunnel figures costs the GUI thread (offscreen Qt).

Figures: for 1, 5 and 20 tunnels, the time to hand a poll's snapshots to the real
InstancesWindow with its Tunnels tab shown, and to paint them (median and max ms over 50
ticks; target: median ≤ 16 ms, one frame, for 20 tunnels). Nothing runs
while the tab is hidden, so this is the whole cost of watching. The last line is JSON.

    python -m bench.tunnel_figures
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from ssmgui.core.tunnel import TunnelSnapshot
from ssmgui.ui.instances_window import InstancesWindow
from tests.ui.sample_fleet import sample_snapshot

COUNTS = (1, 5, 20)
TICKS = 50
TARGET_MS_FOR_20 = 16.0


def _tick(snapshots: list[TunnelSnapshot], second: int) -> list[TunnelSnapshot]:
    """The snapshots one second later: bytes moved, uptime grown (as a poll gives them)."""
    return [
        dataclasses.replace(
            s,
            uptime_s=s.uptime_s + second,
            stats=dataclasses.replace(s.stats, bytes_down=s.stats.bytes_down + 65_536 * second),
        )
        for s in snapshots
    ]


def measure(app: QApplication, count: int) -> list[float]:
    window = InstancesWindow()
    window.resize(1200, 720)
    window.show()
    window.tabs.setCurrentWidget(window.tunnels)
    first = [sample_snapshot(i) for i in range(1, count + 1)]
    window.show_tunnels(first)
    app.processEvents()
    times = []
    for second in range(1, TICKS + 1):
        fresh = _tick(first, second)
        start = time.perf_counter()
        window.update_tunnels(fresh)
        app.processEvents()  # the repaint
        times.append((time.perf_counter() - start) * 1000)
    window.close()
    return times


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    result: dict[str, float] = {}
    for count in COUNTS:
        times = measure(app, count)
        result[f"median_ms_{count}"] = round(statistics.median(times), 2)
        result[f"max_ms_{count}"] = round(max(times), 2)
        print(
            f"{count:>3} tunnels: median {statistics.median(times):.2f} ms, max {max(times):.2f} ms"
        )
    result["target_median_ms_20"] = TARGET_MS_FOR_20
    print(json.dumps(result))


if __name__ == "__main__":
    main()
