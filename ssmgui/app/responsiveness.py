"""Interpreter settings that keep the GUI thread answering while other threads work.

The inventory lists thousands of instances on a worker thread (see `AppController.refresh`),
and Python runs one thread at a time. Two things would freeze the window meanwhile; both are
handled here (the measurements: docs/architecture.md, "Why it is built this way"):

- **Full garbage collections.** A GUI process holds hundreds of thousands of long-lived
  objects (Qt wrappers, botocore's service models, modules), and a full collection walks all
  of them with the GIL held, whichever thread triggered it. `gc.freeze()` moves what exists
  after start-up (and again after the first refresh, when the AWS models have loaded) out of
  the collector's sight: collections then only walk newer objects. Frozen objects are still
  freed by reference counting; only reference cycles among them would outlive their use, so
  a collection runs just before the first freeze.
- **Waiting for the GIL.** A thread that wants the GIL waits up to the switch interval
  (5 ms by default) each time before the holder is asked to let go; with several threads
  busy the GUI thread could lose the race several times over. 1 ms keeps a click or a
  repaint within a few milliseconds, at a small cost in switching.
"""

from __future__ import annotations

import gc
import sys

GUI_SWITCH_INTERVAL_S = 0.001


def keep_gui_thread_responsive() -> None:
    """Call once the app is built, before the first refresh."""
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    gc.collect()
    gc.freeze()


def freeze_loaded_objects() -> None:
    """Call after the first refresh: the AWS models and clients it loaded stay for good."""
    gc.freeze()
