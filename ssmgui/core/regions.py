"""Which regions to list: the settings' choice, with "each profile's own region" as one choice.

`Settings.regions` holds region names and, optionally, `OWN_REGIONS`, which stands for the
regions each profile's AWS configuration names. An empty choice (every settings file written
before regions became a checklist, and the default) means "each profile's own region" alone.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Stands for "each profile's own region(s)" in `Settings.regions`; never a region's name.
OWN_REGIONS = "@profile"


def regions_for(chosen: Iterable[str], own: Iterable[str]) -> tuple[str, ...]:
    """The regions to list for one profile whose own regions are `own`, in the order chosen,
    each once."""
    picked = tuple(chosen) or (OWN_REGIONS,)
    result: dict[str, None] = {}
    for region in picked:
        for name in own if region == OWN_REGIONS else (region,):
            result[name] = None
    return tuple(result)


def uses_own_regions(chosen: Iterable[str]) -> bool:
    picked = tuple(chosen)
    return not picked or OWN_REGIONS in picked


def named_regions(chosen: Iterable[str]) -> tuple[str, ...]:
    """The regions chosen by name (without the "own region" choice)."""
    return tuple(region for region in chosen if region != OWN_REGIONS)
