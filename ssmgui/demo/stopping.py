"""Stopping a demo world made of parts: every part is stopped even when one fails."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

Stop = Callable[[], Awaitable[None]]


async def stop_each(what: str, stops: Iterable[Stop]) -> None:
    """Await every `stop` in order. A failure must not leave the later parts (and their
    tasks) running, so failures are gathered and raised together at the end.
    Cancellation (a BaseException) still ends this at once."""
    errors: list[Exception] = []
    for stop in stops:
        try:
            await stop()
        except Exception as exc:  # gathered, raised below
            errors.append(exc)
    if errors:
        raise ExceptionGroup(f"stopping {what} failed", errors)
