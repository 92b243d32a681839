"""UI tests run on Qt's offscreen platform: no display needed. The variable must be set
before anything imports Qt, which is why it is set at import time here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Qt's offscreen platform warns on every shown dialog that it cannot propagate size
    hints; that is a property of the test platform, not a problem of ours."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))
