"""Photo work in worker processes, so decoding uses every core instead of contending for the server's GIL.

Pillow releases the GIL while it decodes, but the surrounding Python (checks, metadata, hashing) and the
server's own event loop do not: in threads, a photo-heavy load kept the server at about one core. Worker
processes come from a fork server (forked from a clean, single-threaded process, not from the server with its
threads) with Pillow preloaded.

A worker that dies (a decoder crash on a hostile file) breaks a ProcessPoolExecutor for every caller; the pool
is then replaced and the photo tried once more, and a photo that kills a fresh worker too is refused as corrupt.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from storage.photo_checks import reject_corrupt
from storage.photos import ProcessedPhoto, process_photo


def _process_in_worker(data: bytes, options: dict[str, Any]) -> ProcessedPhoto:
    # The caller keeps the original: sending its megabytes back would only cost a copy.
    return dataclasses.replace(process_photo(data, **options), original=b"")


class PhotoPool:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def _current(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["storage.photos"])
            self._executor = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._executor

    async def process(self, data: bytes, **options: Any) -> ProcessedPhoto:
        """`process_photo(data, **options)` in a worker process; raises what it raises (PhotoRejected…)."""
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            executor = self._current()
            try:
                processed = await loop.run_in_executor(executor, partial(_process_in_worker, data, options))
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
