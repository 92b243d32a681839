"""Answer text the fakes keep per instance, made again only when the instance has changed.

The fake AWS shares this machine's two cores with the client it serves (bench/inventory.py),
so the fake's own work per answer must stay small: escaping and encoding every instance of
every page on every call would set a benchmark's pace and slow the client too
(docs/architecture.md, "Why it is built this way"). Tests may change a fake instance's
fields at any time, so the fields a text is made from are the key it is kept under: the
answers are the text made afresh would be.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class _Identified(Protocol):
    instance_id: str


Source = TypeVar("Source", bound=_Identified)
Made = TypeVar("Made")


class RemadeWhenChanged(Generic[Source, Made]):
    """`get(instance)` is `make(instance)`, made again only when `fields(instance)` differ
    from those it was last made from."""

    def __init__(
        self, make: Callable[[Source], Made], fields: Callable[[Source], tuple[object, ...]]
    ) -> None:
        self._make = make
        self._fields = fields
        self._made: dict[str, tuple[tuple[object, ...], Made]] = {}

    def get(self, instance: Source) -> Made:
        fields = self._fields(instance)
        made = self._made.get(instance.instance_id)
        if made is None or made[0] != fields:
            made = fields, self._make(instance)
            self._made[instance.instance_id] = made
        return made[1]
