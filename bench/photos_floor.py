"""How much does process_photo cost over the bare Pillow floor? Target: at most 1.3×.

    python bench/photos_floor.py                 # a synthetic 12 MP phone-like JPEG
    python bench/photos_floor.py a.jpg b.jpg     # your own photos

The floor (storage.photos.floor_cost) is open + draft + 1280 px thumbnail → JPEG + 320 px
thumbnail → JPEG. Runs are interleaved so that machine noise hits both sides alike; the
medians are compared.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from PIL import ExifTags, Image

from storage.photos import floor_cost, process_photo

RUNS = 9
TARGET_RATIO = 1.3


def synthetic_phone_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """Smooth colour fields plus sensor-like grain, ~4-5 MB at quality 92, like a 12 MP phone shot."""
    fields = Image.effect_noise((width // 40, height // 40), 80).convert("RGB")
    fields = fields.resize((width, height), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((width, height), 18).convert("RGB")
    image = Image.blend(fields, grain, 0.5)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:11:20 09:15:30"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({1: "N", 2: (21.0, 1.0, 42.5), 3: "E", 4: (105.0, 51.0, 9.1)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif)
    return buffer.getvalue()


def measure(data: bytes, runs: int = RUNS) -> tuple[float, float]:
    """(median floor seconds, median process_photo seconds), interleaved runs after a warm-up."""
    floor_cost(data)
    process_photo(data)
    floors, processed = [], []
    for _ in range(runs):
        floors.append(floor_cost(data))
        started = time.perf_counter()
        process_photo(data)
        processed.append(time.perf_counter() - started)
    return statistics.median(floors), statistics.median(processed)


def derivative_sizes(data: bytes) -> str:
    """What process_photo makes of the photo: the served `large` and `thumb` JPEGs (libjpeg's DCT scaling picks
    the decode size, so `large` is 960-1280 px on its long side, not always 1280)."""
    photo = process_photo(data)
    large = Image.open(io.BytesIO(photo.large_jpeg))
    thumb = Image.open(io.BytesIO(photo.thumb_jpeg))
    return (
        f"original {photo.width}×{photo.height}; large {large.width}×{large.height} "
        f"({len(photo.large_jpeg) / 1e3:.0f} kB); thumb {thumb.width}×{thumb.height} "
        f"({len(photo.thumb_jpeg) / 1e3:.0f} kB)"
    )


def main(paths: list[str]) -> int:
    samples = [(path, Path(path).read_bytes()) for path in paths] or [("synthetic 4000×3000", synthetic_phone_jpeg())]
    worst = 0.0
    rows = []
    for name, data in samples:
        floor, processed = measure(data)
        ratio = processed / floor
        worst = max(worst, ratio)
        rows.append(
            {
                "photo": name,
                "bytes": len(data),
                "floor_ms": floor * 1000,
                "process_photo_ms": processed * 1000,
                "ratio": ratio,
                "derivatives": derivative_sizes(data),
            }
        )
        print(
            f"{name}: {len(data) / 1e6:.1f} MB  floor {floor * 1000:.0f} ms  "
            f"process_photo {processed * 1000:.0f} ms  ratio {ratio:.2f}"
        )
        print(f"  derivatives: {derivative_sizes(data)}")
    print(f"worst ratio {worst:.2f} (target ≤ {TARGET_RATIO})")
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    out = results / f"photos_floor-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {"runs": rows, "worst_ratio": worst, "note": "2-core machine shared with other work"},
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"raw output: {out}")
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
