"""Listings are written once refreshing is quiet: the newest of each pair, failures only
logged, everything pending when flushed."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ssmgui.services.inventory.cache import CachedListing, InventoryCache
from ssmgui.services.inventory.saver import ListingSaver
from tests.ui.sample_fleet import make_instance


def listing(name: str, minute: int) -> CachedListing:
    instance = make_instance("i-0000000000000000a", name, profile="p", region="eu-west-1")
    fetched = datetime(2026, 11, 23, 6, minute, tzinfo=UTC)
    return CachedListing("p", "eu-west-1", (instance,), fetched)


async def test_the_newest_listing_of_a_pair_lands(tmp_path: Path) -> None:
    cache = InventoryCache(tmp_path)
    saver = ListingSaver(cache)
    for minute in range(10):
        saver.submit(listing(f"web-{minute}", minute))
    await saver.flush()  # written now, and one of the ten
    for minute in range(10, 20):  # the next burst: lands after the first
        saver.submit(listing(f"web-{minute}", minute))
    await saver.flush()
    saved = cache.load("p", "eu-west-1")
    assert saved is not None and saved.instances[0].name == "web-19"


async def test_nothing_is_written_until_listings_stop_coming(tmp_path: Path) -> None:
    cache = InventoryCache(tmp_path)
    saver = ListingSaver(cache, quiet_s=0.3)
    for minute in range(4):  # a refresh's regions, 0.1 s apart
        saver.submit(listing(f"web-{minute}", minute))
        await asyncio.sleep(0.1)
    assert cache.load("p", "eu-west-1") is None  # still busy: not written yet
    async with asyncio.timeout(10):  # quiet for longer than quiet_s: written by itself
        while (saved := cache.load("p", "eu-west-1")) is None:
            await asyncio.sleep(0.05)
    assert saved.instances[0].name == "web-3"


async def test_a_failed_write_is_logged_and_later_ones_still_land(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "cache"
    directory.write_text("a file where the cache directory should be")
    cache = InventoryCache(directory)
    saver = ListingSaver(cache)
    saver.submit(listing("web-1", 1))
    await saver.flush()
    assert "Could not cache the inventory of p/eu-west-1" in caplog.text
    directory.unlink()  # the disk is writable again
    saver.submit(listing("web-2", 2))
    await saver.flush()
    saved = cache.load("p", "eu-west-1")
    assert saved is not None and saved.instances[0].name == "web-2"


async def test_a_cancelled_flush_does_not_cancel_the_save(tmp_path: Path) -> None:
    cache = InventoryCache(tmp_path)
    saver = ListingSaver(cache)
    saver.submit(listing("web-1", 1))
    waiter = asyncio.ensure_future(saver.flush())
    await asyncio.sleep(0)
    waiter.cancel()
    await saver.flush()
    assert cache.load("p", "eu-west-1") is not None


async def test_nothing_submitted_flushes_at_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    await ListingSaver(InventoryCache(tmp_path)).flush()
    assert caplog.text == ""
