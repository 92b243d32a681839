"""argparse types for values every command checks the same way.

A bad value becomes argparse's usage error (exit code 2, the option named), never a
traceback and never a request built from it.
"""

from __future__ import annotations

import argparse

from ssmgui.core.errors import ConfigurationError
from ssmgui.core.tunnel import validate_bind_address
from ssmgui.services.aws.regions import checked_region


def region_name(text: str) -> str:
    """A `--region` value botocore accepts."""
    try:
        return checked_region(text)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(exc.user_message) from None


def profile_name(text: str) -> str:
    """A `--profile` value: a name, not empty (an empty one would quietly mean "default")."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty name names no AWS profile")
    return text


def bind_address(text: str) -> str:
    """A `--bind` value: an IP address to listen on."""
    try:
        return validate_bind_address(text)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(exc.user_message) from None
