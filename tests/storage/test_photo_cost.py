"""process_photo must stay within 1.3× the bare Pillow floor (no second decode, no second hash)."""

from __future__ import annotations

import statistics
import time

from storage import floor_cost, process_photo
from tests.storage.photo_factory import phone_jpeg

TARGET_RATIO = 1.3


def cost_ratio(data: bytes, runs: int) -> float:
    # Interleaved runs, so that noise from the machine hits both sides alike.
    floors, processed = [], []
    for _ in range(runs):
        floors.append(floor_cost(data))
        started = time.perf_counter()
        process_photo(data)
        processed.append(time.perf_counter() - started)
    return statistics.median(processed) / statistics.median(floors)


def test_process_photo_costs_at_most_1_3x_the_floor() -> None:
    data = phone_jpeg(4000, 3000)
    process_photo(data)  # warm-up: imports, allocator
    ratio = cost_ratio(data, runs=5)
    if ratio > TARGET_RATIO:
        # A busy neighbour process can skew five runs; a real regression survives fifteen.
        ratio = cost_ratio(data, runs=15)
    assert ratio <= TARGET_RATIO, f"process_photo costs {ratio:.2f}× the floor"
