"""Hostile photos (generated here, a few KB each) cannot take more memory than the settings allow.

A 7000 × 7000 lossless WebP is ~2 KB on the wire and ~850 MB decoded; a 16-bit PNG and a progressive JPEG of
the same size cost ~440 MB and ~150 MB. Pixel limits per format refuse the first two from their headers; a
worker's address-space ceiling stops whatever gets past the headers, in that worker only.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from service.app import build_photo_pool
from service.settings import Settings
from storage import PhotoPool, PhotoRejected, process_photo

SIDE = 7000


def _peak_kb(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for {pid}")


@pytest.fixture(scope="module")
def hostile() -> dict[str, bytes]:
    flat = Image.new("RGB", (SIDE, SIDE), (40, 90, 30))
    files: dict[str, bytes] = {}
    buffer = io.BytesIO()
    flat.save(buffer, "WEBP", lossless=True)
    files["lossless_webp"] = buffer.getvalue()
    buffer = io.BytesIO()
    Image.new("I;16", (SIDE, SIDE), 1000).save(buffer, "PNG")
    files["png16"] = buffer.getvalue()
    buffer = io.BytesIO()
    flat.save(buffer, "JPEG", progressive=True, quality=80)
    files["progressive_jpeg"] = buffer.getvalue()
    assert len(files["lossless_webp"]) < 10_000  # tiny on the wire: the danger is in the decode
    return files


def _refusal(data: bytes, **limits: int) -> str:
    with pytest.raises(PhotoRejected) as refused:
        process_photo(data, **limits)
    return refused.value.code


@pytest.mark.parametrize("name", ["lossless_webp", "png16"])
def test_png_and_webp_of_49_megapixels_are_refused_from_their_header(hostile, name):
    assert _refusal(hostile[name]) == "photo.too_many_pixels"


def test_a_49_megapixel_jpeg_is_still_accepted(hostile):
    # Phones shoot 48-50 MP JPEGs; libjpeg decodes them at 1/8 scale.
    assert process_photo(hostile["progressive_jpeg"]).width == SIDE


def test_limits_come_from_the_settings(hostile):
    settings = Settings(photo_max_pixels=40_000_000, photo_max_pixels_lossless=60_000_000)
    pool = build_photo_pool(settings)
    assert pool.defaults == {"max_pixels_decode": 40_000_000, "max_pixels_lossless": 60_000_000}
    assert _refusal(hostile["progressive_jpeg"], max_pixels_decode=40_000_000) == "photo.too_many_pixels"


def test_decodes_in_flight_times_the_ceiling_stay_within_photo_memory():
    tight = Settings(photo_workers=8, photo_worker_memory_mb=512, photo_memory_mb=1024)
    assert tight.resolved_photo_workers == 2
    assert Settings(photo_workers=0, photo_worker_memory_mb=512, photo_memory_mb=512).photo_decodes_in_flight == 1
    assert Settings(photo_workers=1).resolved_photo_workers == 1


@pytest.mark.parametrize("name", ["lossless_webp", "png16"])
async def test_a_file_past_the_pixel_checks_is_stopped_by_its_workers_ceiling(hostile, name):
    ceiling_mb = 256
    # Pixel limits raised far above the file, as if misconfigured: only the ceiling stands in the way.
    pool = PhotoPool(
        1, worker_memory_bytes=ceiling_mb * 1024 * 1024, max_pixels_lossless=100_000_000, max_pixels_decode=100_000_000
    )
    try:
        with pytest.raises(PhotoRejected) as refused:
            await pool.process(hostile[name])
        assert refused.value.code in ("photo.too_many_pixels", "photo.corrupt")
        # The worker survived its MemoryError (or was replaced) and never went past the ceiling.
        [pid] = pool.worker_pids()
        assert _peak_kb(pid) < ceiling_mb * 1024
        small = io.BytesIO()
        Image.new("RGB", (800, 600), (200, 10, 10)).save(small, "JPEG")
        assert (await pool.process(small.getvalue())).width == 800
    finally:
        pool.close()


async def test_a_progressive_49_megapixel_jpeg_fits_the_default_ceiling(hostile):
    settings = Settings(photo_workers=1)
    pool = build_photo_pool(settings)
    try:
        photo = await pool.process(hostile["progressive_jpeg"])
        assert photo.width == SIDE
        [pid] = pool.worker_pids()
        peak_mb = _peak_kb(pid) / 1024
        assert peak_mb < settings.photo_worker_memory_mb
        print(f"progressive 49 MP JPEG: worker peak {peak_mb:.0f} MB")
    finally:
        pool.close()
