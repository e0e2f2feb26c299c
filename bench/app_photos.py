"""The phone app: its transfer size cold and warm, and visits/s on the photo path, phone-downscaled vs 12 MP.

    python bench/app_photos.py                 # both parts, ~1 min
    python bench/app_photos.py --seconds 12    # shorter photo phases

1. Transfer: headless Chromium (Debian chromium) opens /app on an empty profile, signs in with a demo device
   token and syncs its village (cold), then opens it again (warm: the service worker serves the shell). Bytes
   are what crossed the network (response bodies as sent, gzip where used, plus headers).
2. Photo path: each visit is what the app sends: POST the visit (JSON, no photo), then PUT its photo. Phase A
   sends the photo as the phone app prepares it (upright, downscaled to the form's default max_pixels,
   1.6 MP, JPEG q 0.85: made here with Pillow the way the app's canvas does); phase B sends the camera's 12 MP
   original, as an app without phone-side downscaling would. Every photo gets a unique JPEG comment, so every
   photo is a new object. The server is granian, one worker, photo worker processes as configured by default,
   SQLite and the local object store, on the same shared 2-core machine as the client.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms.spec import DEFAULT_PHOTO_MAX_PIXELS
from service.cli.demo import prepare_demo
from service.phone_app.controllers import app_files
from service.settings import Settings
from tests.support.browser import chromium
from tests.support.live_server import live_server

FORM_ID = "household-digital-skills"
ANSWERS = {
    "members": 4,
    "elderly_only": False,
    "temporary_resident": False,
    "school_children": 1,
    "has_smartphone": True,
    "has_mobile_data": True,
    "has_email": False,
    "vneid_level": "level2",
    "public_services": "with_help",
    "cashless": True,
    "health_book": False,
    "ecommerce": "no",
    "data_worries": ["scam_calls"],
    "guided": ["vneid"],
    "follow_up": False,
}
CONCURRENCY = 8


def camera_jpeg(seed: int) -> bytes:
    """A 4000×3000 photo-like JPEG (smooth fields plus sensor grain), as bench/visits.py makes them."""
    fields = Image.effect_noise((100, 75), 60 + seed).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((4000, 3000), 10).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(fields, grain, 0.25).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def phone_downscaled(original: bytes, max_pixels: int = DEFAULT_PHOTO_MAX_PIXELS) -> bytes:
    """What the app's photo.js produces: the same scale rule, a high-quality resize, JPEG quality 0.85."""
    image = Image.open(io.BytesIO(original))
    scale = min(1.0, math.sqrt(max_pixels / (image.width * image.height)))
    size = (max(1, math.floor(image.width * scale)), max(1, math.floor(image.height * scale)))
    buffer = io.BytesIO()
    image.convert("RGB").resize(size, Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def unique(jpeg: bytes) -> bytes:
    comment = uuid.uuid4().hex.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


def transfer_sizes(url: str, token: str) -> dict[str, int]:
    sizes: dict[str, int] = {}
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=url)
        counted: list[tuple[str, str, int]] = []
        phase = ["cold"]

        def finished(request) -> None:  # type: ignore[no-untyped-def]
            response = request.response()
            if response is None or response.from_service_worker:
                return
            size = request.sizes()
            part = "shell" if "/app" in request.url and "/api/" not in request.url else "api"
            counted.append((phase[0], f"{part}_body", size["responseBodySize"]))
            counted.append((phase[0], f"{part}_headers", size["responseHeadersSize"] + size["requestHeadersSize"]))
            counted.append((phase[0], f"{part}_requests", 1))

        context.on("requestfinished", finished)
        page = context.new_page()
        page.goto("/app")
        page.fill("#token", token)
        page.click("#signin")
        page.wait_for_selector("a.household", timeout=30000)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_timeout(1500)  # the worker's install fetches the shell once more into its cache
        phase[0] = "warm"
        page.reload()
        page.wait_for_selector("a.household", timeout=30000)
        page.wait_for_timeout(1500)
        for when, part, size in counted:
            sizes[f"{when}_{part}"] = sizes.get(f"{when}_{part}", 0) + size
        context.close()
    return sizes


async def photo_phase(url: str, members: list[tuple[str, list[str]]], photos: list[bytes], seconds: float) -> dict:
    done = 0
    failures = 0
    uploaded = 0
    deadline = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        nonlocal done, failures, uploaded
        token, households = members[index % len(members)]
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                visit_id = str(uuid.uuid4())
                now = datetime.now(UTC).isoformat()
                visit: dict[str, Any] = {
                    "id": visit_id,
                    "form_id": FORM_ID,
                    "form_version": "1",
                    "household_id": households[(index * 997 + n) % len(households)],
                    "finished_at": now,
                    "answers": dict(ANSWERS, members=1 + n % 9, school_children=0),
                    "location": {"lat": 19.9, "lon": 105.4, "accuracy_m": 10.0},
                    "app": {"name": "bench", "version": "1"},
                }
                visit["answers"]["location"] = {"lat": 19.9, "lon": 105.4, "accuracy_m": 10.0}
                posted = await client.post("/api/v1/visits", json=visit)
                photo = unique(photos[n % len(photos)])
                put = await client.put(
                    f"/api/v1/visits/{visit_id}/photos/evidence_photos/0",
                    content=photo,
                    headers={"Content-Type": "image/jpeg"},
                )
                if posted.status_code in (200, 201) and put.status_code in (200, 201):
                    done += 1
                    uploaded += len(photo)
                else:
                    failures += 1
                    if failures == 1:
                        print("first failure:", posted.status_code, posted.text[:300], put.status_code, put.text[:300])

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    return {
        "visits": done,
        "failures": failures,
        "seconds": round(elapsed, 2),
        "visits_per_s": round(done / elapsed, 2),
        "photo_kb": round(uploaded / max(done, 1) / 1024, 1),
    }


def median_round(figures: list[dict]) -> dict:
    ordered = sorted(figures, key=lambda figure: figure["visits_per_s"])
    return ordered[len(ordered) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="per kind of photo, over all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    shell_gzip = sum(len(f.gzipped) for f in app_files().values())
    shell_raw = sum(len(f.body) for f in app_files().values())
    print(
        f"app files: {len(app_files())}, {shell_raw / 1024:.1f} KB raw, {shell_gzip / 1024:.1f} KB gzipped "
        f"(budget 150 KB: {shell_gzip / 1024 / 150:.2f}x)"
    )
    originals = [camera_jpeg(seed) for seed in range(3)]
    downscaled = [phone_downscaled(o) for o in originals]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(data_dir=root / "data", database_url=f"sqlite+aiosqlite:///{root / 'gocua.sqlite3'}")
        prepare_demo(settings)
        credentials = json.loads((settings.data_dir / "demo-credentials.json").read_text())
        with live_server(settings, root) as server:
            members = []
            for member in [m for m in credentials["members"] if m["token"]][:CONCURRENCY]:
                listed = httpx.get(
                    server.url + "/api/v1/households?limit=200", headers={"Authorization": f"Bearer {member['token']}"}
                ).json()["items"]
                members.append((member["token"], [h["id"] for h in listed]))
            transfer = transfer_sizes(server.url, members[0][0])
            print("transfer:", transfer)
            # Warm-up, not counted: the photo worker processes start at the first photo.
            asyncio.run(photo_phase(server.url, members, downscaled + originals, 4))
            # The machine is shared, so its load drifts: the two kinds alternate in short rounds.
            rounds: dict[str, list[dict]] = {"phone": [], "camera": []}
            for index in range(args.rounds):
                order = [("phone", downscaled), ("camera", originals)]
                for kind, photos in order if index % 2 == 0 else order[::-1]:
                    figure = asyncio.run(photo_phase(server.url, members, photos, args.seconds / args.rounds))
                    rounds[kind].append(figure)
                    print(f"round {index + 1} {kind}: {figure}")
    phone = median_round(rounds["phone"])
    camera = median_round(rounds["camera"])
    print(f"phone-downscaled photos {Image.open(io.BytesIO(downscaled[0])).size}, median: {phone}")
    print(f"12 MP photos (4000, 3000), median: {camera}")
    ratio = phone["visits_per_s"] / max(camera["visits_per_s"], 0.01)
    print(
        f"phone-downscaled vs 12 MP: {ratio:.2f}x visits/s, {camera['photo_kb'] / phone['photo_kb']:.1f}x fewer bytes"
    )
    print("note: client, server and photo workers share one 2-core machine with other work; expect ±25 %")
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "shell_files": len(app_files()),
        "shell_raw_bytes": shell_raw,
        "shell_gzip_bytes": shell_gzip,
        "transfer": transfer,
        "phone_downscaled": phone,
        "camera_12mp": camera,
        "rounds": rounds,
        "ratio": round(ratio, 2),
        "concurrency": CONCURRENCY,
        "machine": "2 cores, shared",
    }
    out = Path(__file__).resolve().parent / "results" / f"app_photos-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"raw output: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
