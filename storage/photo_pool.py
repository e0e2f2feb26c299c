"""Photo work in worker processes, so decoding uses every core instead of contending for the server's GIL.

Pillow releases the GIL while it decodes, but the surrounding Python (checks, metadata, hashing) and the
server's own event loop do not: in threads, a photo-heavy load kept the server at about one core. Worker
processes come from a fork server (forked from a clean, single-threaded process, not from the server with its
threads) with Pillow preloaded.

Memory: each worker decodes one photo at a time under a hard address-space ceiling (RLIMIT_AS), so a file that
gets past the header checks (pixel limits per format) fails its own decode with a MemoryError — refused as
`photo.too_many_pixels` — or kills only its worker, never the server. The pool's size is chosen by the caller so
that workers × ceiling stays within the memory given to photos (`Settings.photo_memory_mb`).

A worker that dies (a decoder crash on a hostile file) breaks a ProcessPoolExecutor for every caller; the pool
is then replaced and the photo tried once more, and a photo that kills a fresh worker too is refused as corrupt.

With `workers=0` photos are processed in threads of the server process instead (single-core machines, tests):
the pixel limits and the number of decodes in flight still apply, but no hard ceiling can be set on a thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import resource
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

import anyio

from storage.photo_checks import reject_corrupt
from storage.photos import ProcessedPhoto, process_photo, process_photo_async


def _limit_memory(ceiling_bytes: int | None) -> None:
    """Runs first in each worker: every allocation beyond the ceiling fails there, and only there."""
    if ceiling_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (ceiling_bytes, ceiling_bytes))


def _process_in_worker(data: bytes, options: dict[str, Any]) -> ProcessedPhoto:
    # The caller keeps the original: sending its megabytes back would only cost a copy.
    return dataclasses.replace(process_photo(data, **options), original=b"")


class PhotoPool:
    """`workers` processes (or, with 0, `threads` decodes in flight), each photo under the given defaults.

    `defaults` are `process_photo` keyword arguments (pixel limits…) applied unless a call passes its own;
    `worker_memory_bytes` is each worker's address-space ceiling (None: none).
    """

    def __init__(
        self, workers: int, *, worker_memory_bytes: int | None = None, threads: int = 1, **defaults: Any
    ) -> None:
        self.workers = workers
        self.worker_memory_bytes = worker_memory_bytes
        self.defaults = defaults
        self._threads = anyio.CapacityLimiter(max(1, threads)) if workers == 0 else None
        self._executor: ProcessPoolExecutor | None = None

    def _current(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["storage.photos"])
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_limit_memory, initargs=(self.worker_memory_bytes,)
            )
        return self._executor

    def worker_pids(self) -> list[int]:
        """The live worker processes (empty before the first photo, and in thread mode)."""
        executor = self._executor
        processes = getattr(executor, "_processes", None) or {}
        return [pid for pid, process in list(processes.items()) if process.is_alive()]

    async def process(self, data: bytes, **options: Any) -> ProcessedPhoto:
        """`process_photo(data, **options)` in a worker process; raises what it raises (PhotoRejected…)."""
        merged = {**self.defaults, **options}
        if self._threads is not None:
            return await process_photo_async(data, limiter=self._threads, **merged)
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            executor = self._current()
            try:
                processed = await loop.run_in_executor(executor, partial(_process_in_worker, data, merged))
            except BrokenProcessPool:
                if self._executor is executor:
                    self._executor = None
                    executor.shutdown(wait=False, cancel_futures=True)
                if attempt == 2:
                    raise reject_corrupt("the image decoder crashed on this file") from None
                continue
            return dataclasses.replace(processed, original=data)
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
