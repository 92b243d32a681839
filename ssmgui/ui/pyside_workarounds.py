"""Workarounds for bugs in the PySide6 we ship, each probed at run time, not assumed.

`SignalInstance.emit()` in PySide6 6.12.0 on CPython 3.11 returns `True` without taking a
reference to it: every `signal.emit(...)` from Python drops one reference to the `True`
singleton. After about 1,500 emits (or at interpreter exit, with any deficit) CPython aborts
with "Fatal Python error: bool_dealloc: deallocating True or False". CPython 3.12+ makes
True immortal, which hides the bug there. Reproduce:

    o = QObject subclass with s = Signal(int); n = sys.getrefcount(True)
    for _ in range(100): o.s.emit(1)
    sys.getrefcount(True) - n  # -100 on 6.12.0 / 3.11

`install()` measures this once and, only if emits really lose references, wraps `emit` to
give each one back. The composition root (app.py), the UI tests and benchmarks call it
before any signal is emitted.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

_PROBE_EMITS = 20
_installed = False


class _Probe(QObject):
    fired = Signal(int)


def emit_loses_true_references() -> bool:
    """True when a Python-side emit drops a reference to `True` (the 6.12.0 / 3.11 bug)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBE_EMITS):
        probe.fired.emit(0)
    lost = before - sys.getrefcount(True)
    # Give back what the probe itself took, so probing is harmless either way.
    for _ in range(max(lost, 0)):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost == _PROBE_EMITS


def install() -> bool:
    """Patch `SignalInstance.emit` if (and only if) this PySide6 needs it; idempotent.
    Returns whether the fix is active."""
    global _installed  # noqa: PLW0603 - one process-wide patch, installed once
    if _installed:
        return True
    if not emit_loses_true_references():
        return False
    original: Any = SignalInstance.emit  # stubs say None; it returns a bool at run time
    increment = ctypes.pythonapi.Py_IncRef
    true_object = ctypes.py_object(True)

    def emit(self: SignalInstance, *args: Any) -> bool:
        result: bool = original(self, *args)
        increment(true_object)  # the reference PySide forgot to take
        return result

    # The stubs say emit returns None; at run time it returns a bool, kept as is.
    SignalInstance.emit = emit  # type: ignore[method-assign, assignment]
    _installed = True
    return True
