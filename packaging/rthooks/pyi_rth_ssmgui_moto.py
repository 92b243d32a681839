"""PyInstaller runtime hook: `moto` is not in the bundle; importing it must not kill the app.

moto serves the demo's IAM world (`ssmgui --demo login`) in tests; it is not a runtime
dependency and is excluded from the bundle. `ssmgui.demo.sts.identity` imports it at module
level (the CLI imports that module only when the demo identity starts). This
hook resolves `moto` and its submodules, only when the real package is absent, to placeholder
modules whose attributes raise `SsmGuiError` when used, so the demo sign-in says plainly it
is not in this build instead of failing with ModuleNotFoundError.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence

_MESSAGE = (
    "The demo sign-in world (moto) is not part of this build of ssmgui; "
    "run it from a source checkout with the 'dev' extra installed."
)


def _unavailable(name: str) -> type:
    def refuse(*_args: object, **_kwargs: object) -> None:
        from ssmgui.core.errors import SsmGuiError  # noqa: PLC0415 - only when used

        raise SsmGuiError(_MESSAGE)

    return type(name, (), {"__init__": refuse, "__doc__": _MESSAGE})


def _module_getattr(name: str) -> type:
    if name.startswith("__"):
        raise AttributeError(name)
    return _unavailable(name)


class _AbsentMoto(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `moto.*` last on sys.meta_path, i.e. only when no real moto exists."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "moto" and not fullname.startswith("moto."):
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        module.__path__ = []
        module.__doc__ = _MESSAGE
        module.__getattr__ = _module_getattr  # type: ignore[method-assign]  # PEP 562


sys.meta_path.append(_AbsentMoto())
