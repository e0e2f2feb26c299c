"""Issue 21: hostile XLSForm uploads sent to the real server on a socket.

Each is refused with `xlsform.too_large` before it is parsed, the server's memory stays put, and `/health`
answers meanwhile. Before the limits: a 200,000,000-character cell published a 400 MB form, 1,000,000 rows
blocked a worker 114 s, a 3 MB zip that unpacks to 3 GB blocked it 42 s and left it at 3.7 GB.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openpyxl
import pytest

from forms import FormDefinitionError, convert_xlsform_report
from forms.xlsform_limits import WorkbookLimits
from service.settings import Settings
from tests.support import hostile_xlsx
from tests.support.live_server import LiveServer, live_server
from tests.support.world import World, use_fast_password_hashing


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_password_hashing(monkeypatch)


@pytest.fixture
def live(settings: Settings, world: World, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(settings, tmp_path) as server:
        yield server


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (granian's workers), in MB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        pending.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Watch:
    """While an upload is in flight: the server tree's peak memory and every /health answer (start, end, status)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.peak_mb = 0.0
        self.health: list[tuple[float, float, int]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._memory), threading.Thread(target=self._poll_health)]

    def _memory(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.server.process.pid))
            time.sleep(0.02)

    def _poll_health(self) -> None:
        with httpx.Client(base_url=self.server.url, timeout=10) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                status = client.get("/health").status_code
                self.health.append((started, time.monotonic(), status))
                time.sleep(0.02)

    def _health_answers(self, more_than: int) -> None:
        # Polled, not slept: on a loaded machine the poller's first request can take longer than any fixed pause.
        deadline = time.monotonic() + 10
        while len(self.health) <= more_than and time.monotonic() < deadline:
            time.sleep(0.01)

    def __enter__(self) -> Watch:
        for thread in self._threads:
            thread.start()
        self._health_answers(0)  # /health answered before the upload starts
        return self

    def __exit__(self, *exc: object) -> None:
        self._health_answers(len(self.health))  # and again once it is over
        self._stop.set()
        for thread in self._threads:
            thread.join()


def upload(server: LiveServer, headers: dict[str, str], content: bytes) -> tuple[httpx.Response, float, float]:
    started = time.monotonic()
    response = httpx.post(
        server.url + "/api/v1/forms/xlsform",
        files={"file": ("form.xlsx", content)},
        headers=headers,
        timeout=120,
    )
    return response, started, time.monotonic()


HOSTILE = {
    "a 200,000,000-character cell": hostile_xlsx.huge_cell,
    "1,000,000 rows": hostile_xlsx.many_rows,
    "a 3 MB zip that unpacks to 3 GB": hostile_xlsx.zip_bomb,
}


def test_hostile_workbooks_are_refused_before_parsing_memory_stays_and_health_answers(live, world):
    admin = world["admin"].headers
    baseline = tree_rss_mb(live.process.pid)
    for what, build in HOSTILE.items():
        content = build()
        with Watch(live) as watch:
            response, started, ended = upload(live, admin, content)
        print(
            f"{what}: {len(content):,} bytes, answered in {ended - started:.3f} s, server tree"
            f" {baseline:.0f} → peak {watch.peak_mb:.0f} MB, /health ×{len(watch.health)}"
            f" slowest {max(e - s for s, e, _ in watch.health):.3f} s"
        )
        assert response.status_code == 413, (what, response.text)
        body = response.json()
        assert body["code"] == "xlsform.too_large" and body["errors"][0]["message_vi"], what
        assert ended - started < 5, (what, ended - started)
        assert watch.peak_mb - baseline < 150, (what, baseline, watch.peak_mb)
        assert watch.health and all(status == 200 for _, _, status in watch.health), what
        assert max(end - start for start, end, _ in watch.health) < 2.0, what
    assert httpx.get(live.url + "/api/v1/forms", headers=admin).json()["items"] == []


def big_list_workbook(choices: int) -> bytes:
    """An ordinary XLSForm (within the workbook limits) whose list of villages is too long for a phone's form."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["select_one village", "village", "Thôn"])
    sheet = book.create_sheet("choices")
    sheet.append(["list_name", "name", "label", "commune"])
    for number in range(choices):
        name = f"Thôn số {number} của xã Xuân Lai, huyện Thọ Xuân, tỉnh Thanh Hóa"
        sheet.append(["village", f"v{number}", name, f"xa_{number // 20}"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version"])
    settings.append(["big-list", "1"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_form_too_big_for_a_phone_is_refused_and_health_answers_while_it_is_parsed(live, world):
    admin = world["admin"].headers
    with Watch(live) as watch:
        response, started, ended = upload(live, admin, big_list_workbook(6_000))
    print(f"6,000 villages: parsed and refused in {ended - started:.2f} s, /health ×{len(watch.health)}")
    assert response.status_code == 413, response.text
    (error,) = response.json()["errors"]
    assert error["code"] == "xlsform.too_large" and "over the 1,000,000 bytes a phone can take" in error["message_en"]
    # The parse ran off the event loop: health checks were answered while the upload was being parsed.
    during = [(start, end) for start, end, status in watch.health if start > started and end < ended and status == 200]
    assert ended - started > 0.5 and len(during) >= 3, (ended - started, len(during))
    assert max(end - start for start, end in during) < 2.0  # a shared 2-core machine under load: generous


def test_each_limit_names_what_was_passed():
    rows = hostile_xlsx.workbook(
        hostile_xlsx.Repeated(
            hostile_xlsx._SHEET_HEAD + hostile_xlsx.SURVEY_ROWS,
            b"<row><c><v>1</v></c></row>",
            150,
            b"</sheetData></worksheet>",
        )
    )
    cases = {
        "Sheet sheet1 has more than 100 rows.": (rows, WorkbookLimits(max_rows=100)),
        "A cell holds 1,000 characters (at most 999).": (
            _long_label_workbook(1_000),
            WorkbookLimits(max_cell_chars=999),
        ),
        "Sheet sheet1: cell D1 is beyond 3 columns.": (
            _long_label_workbook(5, extra_column=True),
            WorkbookLimits(max_columns=3),
        ),
    }
    for message, (content, limits) in cases.items():
        with pytest.raises(FormDefinitionError) as caught:
            convert_xlsform_report(content, "form.xlsx", limits)
        assert [(e.code, e.message_en) for e in caught.value.errors] == [("xlsform.too_large", message)]
    convert_xlsform_report(_long_label_workbook(1_000), "form.xlsx", WorkbookLimits(max_cell_chars=1_000))


def _long_label_workbook(chars: int, extra_column: bool = False) -> bytes:
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", *(["hint"] if extra_column else [])])
    survey.append(["text", "q", "x" * chars, *(["h"] if extra_column else [])])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
