"""The regions a person can choose from: Session Manager's regions in their partition, as
botocore knows them (its endpoint data), so a new region appears with a botocore upgrade and
no list is kept here.

The partition is the one of the regions the profiles name ("aws" when they name none, or
none botocore knows); China and GovCloud profiles get their own partition's regions.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

import botocore.session

log = logging.getLogger(__name__)

DEFAULT_PARTITION = "aws"


@functools.cache
def _session() -> botocore.session.Session:
    # Loading the endpoint data costs ~0.1 s once; the settings dialog asks each time it opens.
    return botocore.session.get_session()


def partition_of(region: str) -> str:
    """The partition botocore puts `region` in; "aws" for a name it does not know."""
    try:
        return str(_session().get_partition_for_region(region))
    except Exception:  # botocore raises several kinds for an unknown name
        return DEFAULT_PARTITION


@functools.cache
def partition_regions(partition: str = DEFAULT_PARTITION) -> tuple[str, ...]:
    """Every region where Session Manager (ssm) runs in `partition`, sorted; () if unknown."""
    try:
        return tuple(sorted(_session().get_available_regions("ssm", partition)))
    except Exception as exc:  # a broken botocore data file must not stop the app
        log.warning("no region list for partition %s: %s", partition, exc)
        return ()


def region_choices(known: Iterable[str]) -> tuple[str, ...]:
    """The regions to offer: those of the partitions of the `known` regions (the profiles'
    own and the ones chosen before), plus any known region botocore does not list."""
    named = tuple(dict.fromkeys(known))
    partitions = {partition_of(region) for region in named} or {DEFAULT_PARTITION}
    offered = {region for partition in partitions for region in partition_regions(partition)}
    return tuple(sorted(offered | set(named)))
