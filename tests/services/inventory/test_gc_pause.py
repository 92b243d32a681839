"""The collector pause: off inside, restored after, shared by nested and concurrent users."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from ssmgui.services.inventory.gc_pause import collector_paused


@pytest.fixture(autouse=True)
def collector_enabled() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_no_collection_inside_and_the_collector_back_after() -> None:
    collections: list[int] = []

    def count(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(1)

    gc.callbacks.append(count)
    try:
        with collector_paused():
            assert not gc.isenabled()
            garbage = [[n] for n in range(20_000)]  # far past the 700-object threshold
            del garbage
            assert collections == []
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(count)


def test_nested_pauses_restore_only_at_the_outermost() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_still_restores_the_collector() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a malformed page")
    assert gc.isenabled()


def test_a_collector_disabled_by_someone_else_stays_disabled() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_on_two_threads_restore_once_both_are_out() -> None:
    first_in, second_done = threading.Event(), threading.Event()

    def second() -> None:
        first_in.wait(5)
        with collector_paused():
            pass
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with collector_paused():
        first_in.set()
        assert second_done.wait(5)
        assert not gc.isenabled()  # the second thread left first: not its to restore
    thread.join(5)
    assert gc.isenabled()
