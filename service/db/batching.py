"""Coalescing concurrent work into one database round trip (group commit, batched lookups).

Each database round trip costs far more CPU in Python than the query itself costs the server. When many
phones submit at once, their requests wait for the same kind of lookup or insert; a `Coalescer` gathers
them and runs one call for all. It adapts by itself: while one batch is in flight the next one fills, so
an idle service answers a lone request at once and a busy one answers many per round trip.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Key = TypeVar("Key", bound=Hashable)


class Coalescer(Generic[Item, Result]):
    """`await submit(item)` resolves with `run_batch(items)[i]` for its item; one batch in flight at a time.

    `run_batch` gets the items in arrival order and returns one result per item, or an exception
    instance for an item that failed alone. An exception raised by `run_batch` fails the whole batch.
    """

    def __init__(
        self,
        run_batch: Callable[[list[Item]], Awaitable[Sequence[Result | BaseException]]],
        *,
        max_batch: int = 256,
        linger_s: float = 0.0,
    ) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        # How long a batch waits for company once work is flowing. A batch's round trips cost the same for
        # one item as for fifty, so under load a few milliseconds of waiting buys most of the throughput.
        self._linger_s = linger_s
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        # Let the requests that are ready in this turn of the loop join the first batch.
        await asyncio.sleep(0)
        while self._pending:
            if self._linger_s and len(self._pending) < self._max_batch:
                await asyncio.sleep(self._linger_s)
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            live = [(item, future) for item, future in batch if not future.cancelled()]
            if not live:
                continue
            try:
                results = await self._run_batch([item for item, _ in live])
            except BaseException as exc:  # the whole batch failed: every waiter hears why
                for _, future in live:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, future), result in zip(live, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)


class KeyLoader(Generic[Key, Result]):
    """Batched lookups by key: concurrent `load(key)` calls share one `WHERE key IN (...)` query."""

    def __init__(
        self,
        load_many: Callable[[list[Key]], Awaitable[dict[Key, Result]]],
        *,
        max_batch: int = 256,
        linger_s: float = 0.0,
    ):
        async def run(keys: list[Key]) -> list[Result | None]:
            found = await load_many(list(dict.fromkeys(keys)))
            return [found.get(key) for key in keys]

        self._coalescer: Coalescer[Key, Result | None] = Coalescer(run, max_batch=max_batch, linger_s=linger_s)

    async def load(self, key: Key) -> Result | None:
        return await self._coalescer.submit(key)
