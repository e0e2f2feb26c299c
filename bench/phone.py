"""The phone app on the phones the members have: a cheap Android on 2G, as Chromium's DevTools emulate it.

    python bench/phone.py                # HTTP/1.1 and HTTPS + HTTP/2, throttled and not, ~5 min
    python bench/phone.py --over h2      # only as deployed: TLS and HTTP/2 (nginx in docs/deploy.md)

Headless Debian Chromium through Playwright; on every page a DevTools session slows the CPU 6x
(`Emulation.setCPUThrottlingRate`) and the network to 280 kbit/s down, 256 kbit/s up, 800 ms round trip
(`Network.emulateNetworkConditions`); 360 px wide. The service: the `small` demo on SQLite, granian with one
worker, its village grown to 300 households, a third of them visited (some asking for a follow-up, some reviewed
with a comment), so the first sync carries visit state. Each figure is printed with its goal and the same step
on an unthrottled browser beside it (the ratio is what the phone costs). Not a test: the machine is shared, so
the load average is recorded with the figures. Raw output: bench/results/phone-*.json.

Two ways to the server: plain HTTP/1.1 (as the tests serve it: a browser opens at most 6 connections to it, so
the app's 13 files come in two waves) and HTTPS with HTTP/2 (as deployed behind nginx, `http2 on`: one
connection, every file at once), here granian itself with a self-signed certificate the browser is told to
accept.

Figures:
  cold open    an empty profile opens /app until the sign-in screen is drawn           goal <= 4 s
  sign-in      tap "Đăng nhập" until the list of 300 households with their state shows  goal <= 3 s
  warm open    the installed app opened again, online and offline, until the list shows goal <= 1 s
  visit        one visit with one 12 MP camera photo: tap "Lưu phiếu" until "Đã gửi"     goal <= 10 s
  bytes        on the wire (headers + bodies as sent) from the sign-in tap until the first sync settles
                                                                                         goal <= 60 KB
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.cli.demo import prepare_demo
from service.settings import Settings
from tests.phone_app.app_steps import HOME, fill_form, twelve_megapixel_jpeg
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.live_server import LiveServer, free_port, live_server, settings_env, wait_until_up

VILLAGE_SIZE = 300
GOALS = {"cold_open_s": 4.0, "signin_to_list_s": 3.0, "warm_open_s": 1.0, "warm_open_offline_s": 1.0,
         "visit_save_to_sent_s": 10.0, "signin_sync_kb": 60.0}  # fmt: skip
CPU_SLOWDOWN = 6
NETWORK = {  # bytes per second; the protocol's throughput fields are in bytes/s
    "offline": False,
    "latency": 800,
    "downloadThroughput": 280_000 / 8,
    "uploadThroughput": 256_000 / 8,
}


# ---- the village ------------------------------------------------------------------------------------------------


def grow_village(url: str, credentials: dict) -> dict:
    """The first team's village grown to VILLAGE_SIZE households; a third visited, some asking for a follow-up,
    some reviewed with a comment. Returns the member whose phone is measured."""
    member = next(m for m in credentials["members"] if m["role"] == "member" and m["token"])
    admin = httpx.post(f"{url}/api/v1/auth/login", json=credentials["admin"], timeout=30, verify=False).json()["token"]
    as_admin = {"Authorization": f"Bearer {admin}"}
    as_member = {"Authorization": f"Bearer {member['token']}"}
    with httpx.Client(base_url=url, timeout=60, verify=False) as client:
        existing = client.get("/api/v1/households?limit=500", headers=as_member).json()["items"]
        rng = random.Random(19)
        for n in range(len(existing), VILLAGE_SIZE):
            created = client.post(
                "/api/v1/households",
                headers=as_admin,
                json={
                    "id": str(uuid.uuid4()),
                    "area": member["area_code"],
                    "head_name": f"Hộ thêm số {n + 1}",
                    "address": f"Số {n + 1}, xóm mới",
                    "member_count": rng.randint(1, 7),
                    "lat": HOME["latitude"] + rng.uniform(-0.01, 0.01),
                    "lon": HOME["longitude"] + rng.uniform(-0.01, 0.01),
                },
            )
            assert created.status_code == 201, created.text
        households = client.get("/api/v1/households?limit=500", headers=as_member).json()["items"]
        assert len(households) == VILLAGE_SIZE, len(households)
        form = client.get("/api/v1/forms", headers=as_member).json()["items"][0]
        from tests.visits.support import answers

        start = datetime.now(UTC) - timedelta(days=6)
        for n, household in enumerate(households[: VILLAGE_SIZE // 3]):
            follow_up = n % 5 == 0
            visit = {
                "id": str(uuid.uuid4()),
                "form_id": form["id"],
                "form_version": form["version"],
                "household_id": household["id"],
                "finished_at": (start + timedelta(minutes=20 * n)).isoformat(),
                "answers": answers(
                    follow_up=follow_up, follow_up_reason="Hướng dẫn cài sổ sức khỏe điện tử" if follow_up else None
                ),
            }
            posted = client.post("/api/v1/visits", headers=as_member, json=visit)
            assert posted.status_code == 201, posted.text
            if n % 7 == 3:
                decision = {"decision": "has_issues" if n % 2 else "rejected", "comment": "Ảnh chưa thấy cửa nhà"}
                reviewed = client.post(f"/api/v1/visits/{visit['id']}/review", headers=as_admin, json=decision)
                assert reviewed.status_code == 200, reviewed.text
    return member


# ---- one phone --------------------------------------------------------------------------------------------------


class Phone:
    """A browser context (one phone) whose pages are throttled or not, counting bytes on the wire."""

    def __init__(self, browser: Browser, url: str, throttled: bool) -> None:
        self.throttled = throttled
        self.context: BrowserContext = browser.new_context(
            viewport={"width": 360, "height": 740},
            base_url=url,
            geolocation=HOME,
            permissions=["geolocation"],
            locale="vi-VN",
            ignore_https_errors=True,
        )
        self.bytes: dict[str, int] = {}
        self.counting = False

    def page(self) -> Page:
        page = self.context.new_page()
        cdp = self.context.new_cdp_session(page)
        cdp.send("Network.enable")
        if self.throttled:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
            cdp.send("Network.emulateNetworkConditions", NETWORK)
        urls: dict[str, str] = {}
        cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))

        def finished(event: dict[str, Any]) -> None:
            if not self.counting:
                return
            url = urls.get(event["requestId"], "")
            kind = "households" if "/api/v1/households" in url else ("api" if "/api/" in url else "app")
            self.bytes[kind] = self.bytes.get(kind, 0) + int(event["encodedDataLength"])

        cdp.on("Network.loadingFinished", finished)
        self.cdp = cdp
        return page

    def close(self) -> None:
        self.context.close()


def in_page(page: Page) -> float:
    """Seconds from the start of the navigation to the app's first screen drawn (its `gocua:first-screen` mark):
    the page's own clock, without the new renderer process and Playwright's polling the wall clock includes."""
    page.wait_for_function("performance.getEntriesByName('gocua:first-screen').length > 0", timeout=120_000)
    return page.evaluate("performance.getEntriesByName('gocua:first-screen')[0].startTime") / 1000


def until(page: Page, selector: str, timeout_s: float = 120) -> None:
    page.wait_for_selector(selector, timeout=timeout_s * 1000)


def run_phone(browser: Browser, url: str, token: str, throttled: bool) -> dict[str, Any]:
    phone = Phone(browser, url, throttled)
    figures: dict[str, Any] = {}
    try:
        page = phone.page()
        started = time.perf_counter()
        page.goto("/app")
        until(page, "#signin")
        figures["cold_open_s"] = time.perf_counter() - started
        figures["cold_open_in_page_s"] = in_page(page)

        page.fill("#token", token)
        phone.counting = True
        started = time.perf_counter()
        page.click("#signin")
        # The list with every household and its state: the progress line counts all 300.
        page.wait_for_function(
            f"() => document.querySelector('a.household') && /\\/{VILLAGE_SIZE}\\b/.test("
            "(document.querySelector('.progress-text') || {}).textContent || '')",
            timeout=120_000,
        )
        figures["signin_to_list_s"] = time.perf_counter() - started
        page.wait_for_load_state("networkidle", timeout=120_000)
        page.wait_for_timeout(1500)  # the last sync answers (reviews) after the list shows
        phone.counting = False
        figures["signin_sync_kb"] = sum(phone.bytes.values()) / 1024
        figures["signin_sync_bytes_by_kind"] = dict(phone.bytes)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_timeout(2000)  # the worker's install caches the shell
        page.close()

        for name, offline in (("warm_open_s", False), ("warm_open_offline_s", True)):
            phone.context.set_offline(offline)
            page = phone.page()
            started = time.perf_counter()
            page.goto("/app")
            until(page, "a.household")
            figures[name] = time.perf_counter() - started
            figures[name.replace("_s", "_in_page_s")] = in_page(page)
            page.wait_for_load_state("networkidle", timeout=120_000) if not offline else None
            page.close()
        phone.context.set_offline(False)

        page = phone.page()
        page.goto("/app")
        until(page, "a.household")
        page.locator('a.household[data-status="todo"]').first.click()
        until(page, '[data-question="members"]')
        fill_form(page, None)
        started = time.perf_counter()
        page.set_input_files(
            '[data-question="evidence_photos"] input[type=file]',
            files=[FilePayload(name="IMG_0001.jpg", mimeType="image/jpeg", buffer=twelve_megapixel_jpeg())],
        )
        until(page, '[data-question="evidence_photos"] img')
        figures["photo_prepare_s"] = time.perf_counter() - started
        started = time.perf_counter()
        page.click("#submit")
        until(page, 'li.visit[data-state="sent"]', timeout_s=300)
        figures["visit_save_to_sent_s"] = time.perf_counter() - started
        page.close()
    finally:
        phone.close()
    return figures


@contextmanager
def tls_server(settings: Settings, root: Path) -> Iterator[LiveServer]:
    """granian over HTTPS with HTTP/2 (ALPN), on a self-signed certificate for 127.0.0.1."""
    key, cert = root / "key.pem", root / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOCUA_")} | settings_env(settings)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [os.getcwd(), env.get("PYTHONPATH", "")] if p)
    log = root / f"server-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "service.asgi:app_from_env",
             "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--no-access-log", "--http", "auto",
             "--ssl-certificate", str(cert), "--ssl-keyfile", str(key)],
            env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = LiveServer(url=url, process=process, log=log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/health", timeout=1, verify=False).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            wait_until_up(url, process, log, timeout_s=0)  # raises with the log
        yield server
    finally:
        server.stop()


def median(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Per figure, the median over the rounds (the bytes by kind of the first)."""
    out: dict[str, Any] = {"signin_sync_bytes_by_kind": rounds[0]["signin_sync_bytes_by_kind"]}
    for name, value in rounds[0].items():
        if isinstance(value, (int, float)):
            values = sorted(r[name] for r in rounds)
            out[name] = values[len(values) // 2]
    return out


def table(label: str, slow: dict[str, Any], fast: dict[str, Any]) -> None:
    print(f"-- {label}")
    print(f"{'figure (median)':28} {'phone':>9} {'goal':>7} {'of goal':>8} {'unthrottled':>12} {'phone cost':>10}")
    for name in (
        *GOALS,
        "cold_open_in_page_s",
        "warm_open_in_page_s",
        "warm_open_offline_in_page_s",
        "photo_prepare_s",
    ):
        goal = GOALS.get(name.replace("_in_page", ""))
        unit = "KB" if name.endswith("_kb") else "s"
        print(
            f"{name:28} {slow[name]:8.2f}{unit[0]} {(f'{goal:.0f}' + unit[0]) if goal else '-':>7} "
            f"{(f'{slow[name] / goal:.2f}x') if goal else '-':>8} {fast[name]:11.2f}{unit[0]} "
            f"{slow[name] / max(fast[name], 1e-3):9.1f}x"
        )
    print("   bytes by kind (throttled):", slow["signin_sync_bytes_by_kind"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--over", choices=["h1", "h2", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3, help="phones per way and throttling; medians printed")
    args = parser.parse_args()
    expect.set_options(timeout=60_000)  # the form's checks answer slowly at 6x CPU
    load_before = os.getloadavg()
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    ways = ["h1", "h2"] if args.over == "both" else [args.over]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(data_dir=root / "data", database_url=f"sqlite+aiosqlite:///{root / 'gocua.sqlite3'}")
        prepare_demo(settings)
        credentials = json.loads((settings.data_dir / "demo-credentials.json").read_text())
        member: dict | None = None
        for way in ways:
            serving = live_server(settings, root) if way == "h1" else tls_server(settings, root)
            with serving as server, sync_playwright() as playwright:
                if member is None:
                    member = grow_village(server.url, credentials)
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"], headless=True
                )
                try:
                    rounds: dict[str, list[dict[str, Any]]] = {"unthrottled": [], "throttled": []}
                    for _ in range(args.rounds):  # alternated: the shared machine's load drifts
                        for throttled in (False, True):
                            figures = run_phone(browser, server.url, member["token"], throttled=throttled)
                            rounds["throttled" if throttled else "unthrottled"].append(figures)
                    runs[way] = {kind: median(figures) for kind, figures in rounds.items()}
                    runs[way]["rounds"] = rounds
                finally:
                    browser.close()
    load_after = os.getloadavg()
    print(f"phone: CPU {CPU_SLOWDOWN}x slower, 280/256 kbit/s, 800 ms RTT, 360 px; village of {VILLAGE_SIZE}")
    labels = {"h1": "HTTP/1.1, plain (as the tests serve)", "h2": "HTTPS + HTTP/2 (as deployed behind nginx)"}
    for way in ways:
        table(labels[way], runs[way]["throttled"], runs[way]["unthrottled"])
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} (2 cores, shared)")
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "village_households": VILLAGE_SIZE,
        "cpu_slowdown": CPU_SLOWDOWN,
        "network": NETWORK,
        "goals": GOALS,
        "runs": runs,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "machine": "2 cores, shared with other sessions",
    }
    out = Path(__file__).resolve().parent / "results" / f"phone-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"raw output: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
