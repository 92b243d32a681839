"""A workaround for reference-counting bugs of PySide6 6.12.0 on CPython 3.11.

Found here (see tests/ui/test_pyside_workarounds.py for the probes): PySide6 6.12.0 drops a
reference to a singleton, without having taken one, on several everyday paths:
- every `signal.emit(...)` from Python drops one reference to `True` (emit's return value);
- every C++ call of a Python `QAbstractItemModel.data()` override that returns `None` drops one
  reference to `None` (so does `QSortFilterProxyModel.beginFilterChange()/endFilterChange()`).
After a few thousand such calls — or at interpreter exit, with any deficit — CPython aborts:
"Fatal Python error: none_dealloc / bool_dealloc: deallocating None/True or False".

CPython 3.12+ makes None, True and False immortal (PEP 683), which hides these bugs. On 3.11,
`install()` gives the three singletons the same practical immortality by adding 2**40 to their
reference counts once: the dropped references can then never reach zero (a trillion calls).
The composition root (app.py), UI tests and benchmarks call it before Qt does any work; it is
idempotent and a no-op on 3.12+. Remove it when PySide6 is fixed or Python is 3.12+.
"""

from __future__ import annotations

import ctypes
import sys

_BALLAST = 2**40
_installed = False


def install() -> bool:
    """Make None/True/False practically immortal on CPython < 3.12; idempotent.
    Returns whether the ballast is in place (False on 3.12+, where it is not needed)."""
    global _installed  # noqa: PLW0603 - one process-wide fix, applied once
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not _installed:
        for singleton in (None, True, False):
            # ob_refcnt is the first field of every CPython object (Py_ssize_t).
            ctypes.c_ssize_t.from_address(id(singleton)).value += _BALLAST
        _installed = True
    return True
