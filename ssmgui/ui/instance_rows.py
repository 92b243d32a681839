"""The instance table's rows without Qt: every region's instances, sorted, and filtered.

The rows are kept in table order with parallel lists of what sorting and searching read: each
row's sort key, its region, and (built on the first search that needs them) its lower-cased
search text and tags. Replacing a few regions keys only their rows and merges them into the
rows kept in order, which Timsort sees as one run. A search is one list comprehension per
term over the cached texts, with no call per row from Qt (the costs: docs/architecture.md,
"Why it is built this way").

`filtered` gives exactly what `ssmgui.core.instance.filter_instances` gives, in table order;
tests/ui/test_instance_model.py checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ssmgui.core.instance import Instance, InstanceFilter, matches, searched_fields
from ssmgui.ui.instance_sorting import column_keys, default_key

RegionKey = tuple[str, str]
_SEPARATOR = "\x00"  # cannot occur in a typed word, so a word never spans two fields


def search_text(instance: Instance) -> str:
    """The fields `matches` searches, lower-cased, joined by a separator no word contains."""
    return _SEPARATOR.join(searched_fields(instance)).lower()


def lower_tags(instance: Instance) -> dict[str, str]:
    return {key.lower(): value.lower() for key, value in instance.tags}


def narrows(search: InstanceFilter, earlier: InstanceFilter) -> bool:
    """Can only rows matching `earlier` match `search`? True when each of its words lies
    inside one of `search`'s words (as when typing on) and its tag terms are all kept."""
    return all(any(old in new for new in search.words) for old in earlier.words) and set(
        earlier.tags
    ) <= set(search.tags)


@dataclass
class _Columns:
    """Rows and what is known of each, as parallel lists (`texts` and `tags` may be empty:
    not built yet)."""

    rows: list[Instance] = field(default_factory=list)
    keys: list[Any] = field(default_factory=list)
    homes: list[RegionKey] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)

    def pick(self, positions: list[int]) -> _Columns:
        """These rows, in this order."""
        return _Columns(
            *([column[n] for n in positions] if column else [] for column in self._all())
        )

    def extend(self, other: _Columns) -> None:
        for mine, theirs in zip(self._all(), other._all(), strict=True):
            mine.extend(theirs)

    def _all(self) -> tuple[list[Any], ...]:
        return (self.rows, self.keys, self.homes, self.texts, self.tags)


class InstanceRows:
    """Instances of every (profile, region) in one order, and the subset a search shows.

    `rows` is every instance in table order (ascending or descending by `column`; -1 is the
    default order: online first, then by name). It changes on `replace`, `remove` and `sort`.
    """

    def __init__(self) -> None:
        self._regions: dict[RegionKey, tuple[Instance, ...]] = {}
        self._table = _Columns()
        self.stale: set[RegionKey] = set()
        self.column = -1
        self.descending = False
        # The last search and its rows, while the table is unchanged: typing on narrows it.
        self._last: tuple[InstanceFilter, list[int]] | None = None

    @property
    def rows(self) -> list[Instance]:
        return self._table.rows

    def replace(self, updates: Iterable[tuple[str, str, Iterable[Instance], bool]]) -> None:
        """Each (profile, region, instances, stale) becomes that region's whole content."""
        key_of = self._sort_key()
        table = self._table
        arriving, replaced = _Columns(), set()
        for profile, region, instances, stale in updates:
            home = (profile, region)
            rows = self._regions[home] = tuple(instances)
            (self.stale.add if stale else self.stale.discard)(home)
            replaced.add(home)
            arriving.extend(_Columns(list(rows), [key_of(i) for i in rows], [home] * len(rows)))
        if table.texts:
            arriving.texts = [search_text(instance) for instance in arriving.rows]
        if table.tags:
            arriving.tags = [lower_tags(instance) for instance in arriving.rows]
        kept = table.pick([n for n, home in enumerate(table.homes) if home not in replaced])
        kept.extend(arriving)
        self._table = self._in_order(kept)
        self._last = None

    def remove(self, profile: str, region: str) -> None:
        home = (profile, region)
        self._regions.pop(home, None)
        self.stale.discard(home)
        table = self._table
        self._table = table.pick([n for n, at in enumerate(table.homes) if at != home])
        self._last = None

    def sort(self, column: int, *, descending: bool) -> None:
        """Order by `column` (natural order, ties by the default); -1 is the default order."""
        self.column, self.descending = column, descending
        key_of = self._sort_key()
        self._table.keys = [key_of(instance) for instance in self._table.rows]
        self._table = self._in_order(self._table)
        self._last = None

    def is_stale(self, instance: Instance) -> bool:
        # Asked twice per painted cell: most of the time nothing is stale.
        return bool(self.stale) and (instance.profile, instance.region) in self.stale

    def position(self, profile: str, region: str, instance_id: str) -> int | None:
        """The table row of that instance, if it is held: a binary search by its sort key."""
        found = [
            i for i in self._regions.get((profile, region), ()) if i.instance_id == instance_id
        ]
        if not found:
            return None
        key, keys = self._sort_key()(found[0]), self._table.keys
        low, high = 0, len(keys)
        while low < high:
            middle = (low + high) // 2
            if (keys[middle] > key) if self.descending else (keys[middle] < key):
                low = middle + 1
            else:
                high = middle
        return low if low < len(keys) and keys[low] == key else None

    def filtered(self, search: InstanceFilter) -> list[int] | None:
        """The table rows matching `search`, in order; None when it is empty (every row)."""
        if search.empty:
            return None
        table = self._table
        if any(_SEPARATOR in word for word in search.words):
            found = [n for n, instance in enumerate(table.rows) if matches(instance, search)]
        elif self._last and narrows(search, self._last[0]):
            found = self._search_among(search, self._last[1])
        else:
            found = self._search_all(search)
        self._last = (search, found)
        return found

    def _search_all(self, search: InstanceFilter) -> list[int]:
        """A whole column per term: far faster than one row at a time."""
        table = self._ensure_search_columns(search)
        ok = [True] * len(table.rows)
        for word in search.words:
            ok = [good and word in text for good, text in zip(ok, table.texts, strict=True)]
        for key, value in search.tags:
            ok = [
                good and key in tag and (not value or tag[key] == value)
                for good, tag in zip(ok, table.tags, strict=True)
            ]
        return [n for n, good in enumerate(ok) if good]

    def _search_among(self, search: InstanceFilter, rows: list[int]) -> list[int]:
        """The rows of `rows` matching `search`, term by term."""
        table = self._ensure_search_columns(search)
        texts, tags = table.texts, table.tags
        for word in search.words:
            rows = [n for n in rows if word in texts[n]]
        for key, value in search.tags:
            rows = [n for n in rows if key in tags[n] and (not value or tags[n][key] == value)]
        return rows

    def _ensure_search_columns(self, search: InstanceFilter) -> _Columns:
        table = self._table
        if not table.texts:
            table.texts = [search_text(instance) for instance in table.rows]
        if search.tags and not table.tags:
            table.tags = [lower_tags(instance) for instance in table.rows]
        return table

    def _sort_key(self) -> Callable[[Instance], Any]:
        if self.column < 0:
            return default_key
        column_key = column_keys()[self.column]
        return lambda i: (column_key(i), default_key(i))

    def _in_order(self, table: _Columns) -> _Columns:
        """`table` sorted by its keys (stable; rows already in order cost one pass)."""
        keys = table.keys
        return table.pick(sorted(range(len(keys)), key=keys.__getitem__, reverse=self.descending))
