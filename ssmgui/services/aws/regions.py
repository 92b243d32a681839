"""Region names checked as botocore checks them, wherever a region enters ssmgui.

A region becomes part of a host name (`ssm.<region>.amazonaws.com`), so an unchecked one
can point signed requests, session token included, at any host: `x@127.0.0.1:8080/` makes
the URL's authority someone else's. botocore refuses such names when it builds a client;
our own HTTP paths build URLs too, so every region is checked here with botocore's rule.
"""

from __future__ import annotations

from botocore.exceptions import InvalidRegionError
from botocore.utils import validate_region_name

from ssmgui.core.errors import ConfigurationError


def checked_region(name: str, where: str = "") -> str:
    """`name` when botocore accepts it as a region name (and it is not empty).

    Raises `ConfigurationError` naming the value and, when given, `where` it came from
    (e.g. "--region" or "profile 'prod' (ssmgui_regions)").
    """
    try:
        # botocore's pattern ends in `$`, which also matches before a final newline; the
        # client it builds then fails on the URL, so refuse that here too.
        if not name or name != name.strip():
            raise InvalidRegionError(region_name=name)
        validate_region_name(name)
    except InvalidRegionError:
        origin = f" in {where}" if where else ""
        raise ConfigurationError(
            f"{name!r}{origin} is not an AWS region name: use a name like eu-west-1 "
            "(letters, digits and hyphens)."
        ) from None
    return name
