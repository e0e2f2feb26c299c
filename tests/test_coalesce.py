from __future__ import annotations

import asyncio

import pytest

from service.db.batching import Coalescer, KeyLoader


class SlowStore:
    """Counts round trips; each takes a little while, like a database."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def double(self, items: list[int]) -> list[int | BaseException]:
        self.batches.append(items)
        await asyncio.sleep(0.01)
        return [ValueError(f"bad {i}") if i < 0 else i * 2 for i in items]


async def test_a_lone_request_is_answered_in_its_own_batch():
    store = SlowStore()
    coalescer = Coalescer(store.double)
    assert await coalescer.submit(21) == 42
    assert store.batches == [[21]]


async def test_concurrent_requests_share_round_trips_and_each_gets_its_own_answer():
    store = SlowStore()
    coalescer = Coalescer(store.double)
    results = await asyncio.gather(*(coalescer.submit(i) for i in range(100)))
    assert results == [i * 2 for i in range(100)]
    assert len(store.batches) <= 3
    assert sorted(i for batch in store.batches for i in batch) == list(range(100))


async def test_batches_are_bounded():
    store = SlowStore()
    coalescer = Coalescer(store.double, max_batch=10)
    await asyncio.gather(*(coalescer.submit(i) for i in range(35)))
    assert max(len(b) for b in store.batches) == 10


async def test_one_bad_item_fails_alone():
    store = SlowStore()
    coalescer = Coalescer(store.double)
    outcomes = await asyncio.gather(*(coalescer.submit(i) for i in (1, -1, 2)), return_exceptions=True)
    assert outcomes[0] == 2 and outcomes[2] == 4
    assert isinstance(outcomes[1], ValueError)


async def test_a_failed_batch_fails_its_waiters_and_the_next_batch_still_runs():
    calls = 0

    async def flaky(items: list[int]) -> list[int | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database went away")
        return items

    coalescer = Coalescer(flaky)
    with pytest.raises(ConnectionError):
        await coalescer.submit(1)
    assert await coalescer.submit(2) == 2


async def test_key_loader_asks_once_per_distinct_key():
    asked: list[list[str]] = []

    async def load_many(keys: list[str]) -> dict[str, str]:
        asked.append(keys)
        await asyncio.sleep(0.01)
        return {k: k.upper() for k in keys if k != "missing"}

    loader = KeyLoader(load_many)
    results = await asyncio.gather(loader.load("a"), loader.load("b"), loader.load("a"), loader.load("missing"))
    assert results == ["A", "B", "A", None]
    assert asked == [["a", "b", "missing"]]
