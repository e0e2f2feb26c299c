"""The filed report: its JSON, its DOCX (read back with python-docx) and its PDF (pdftotext) say the same thing,
section by section, with Vietnamese intact; a commune officer gets only their own commune's."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import docx
import openpyxl
from litestar.testing import AsyncTestClient

from tests.reports.activity_scene import District, district, form  # noqa: F401

# The last run's files, to look at (pdftoppm, LibreOffice): docs/screenshots/ holds pictures made from them.
KEEP = Path("/tmp/gocua-report-documents")
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]

    def cells(tables: Any) -> None:
        for table in tables:
            for row in table.rows:
                for cell in row.cells:
                    parts.extend(p.text for p in cell.paragraphs)
                    cells(cell.tables)

    cells(document.tables)
    return _flat("\n".join(parts))


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return _flat(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout)


async def _get(client: AsyncTestClient, path: str, headers: dict[str, str], **params: str) -> Any:
    response = await client.get(path, params={"from": "2026-11-01", "to": "2026-11-30", **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def test_docx_and_pdf_carry_every_section_of_the_json(
    client: AsyncTestClient, district: District, tmp_path: Path
) -> None:
    admin = district.world["admin"].headers
    report = (await _get(client, "/api/v1/reports/summary", admin, area="38")).json()
    sections = {s["key"]: s for s in report["sections"]}
    acts = report["activities"]["area"]
    assert (acts["trainings"], acts["training_attendees"], acts["wifi_points"]) == (3, 72, 3)
    assert (acts["zalo_groups"], acts["broadcasts"], acts["posts"], acts["people_helped"]) == (1, 3, 5, 17)
    figures = {f["name"]: f["text"] for s in report["sections"] for f in s["figures"]}
    assert figures["partner:VNPT Thọ Xuân"] == "1" and figures["platform:voso"] == "1"
    assert figures["households_without_email"] == "3" and figures["members_without_smartphone"] == "1"
    assert figures["open_flags"] == "1" and figures["coverage"] == "80,0%"
    assert sections["III"]["text"] == ""  # the proposals are the officer's
    docx_response = await _get(client, "/api/v1/reports/summary.docx", admin, area="38")
    assert docx_response.headers["content-type"].startswith("application/vnd.openxmlformats")
    pdf_response = await _get(client, "/api/v1/reports/summary.pdf", admin, area="38")
    assert pdf_response.content.startswith(b"%PDF")
    KEEP.mkdir(exist_ok=True)
    (KEEP / "report.docx").write_bytes(docx_response.content)
    (KEEP / "report.pdf").write_bytes(pdf_response.content)
    for name, text in (("docx", docx_text(docx_response.content)), ("pdf", pdf_text(pdf_response.content, tmp_path))):
        for key in ("opening", "I.1", "I.2.a", "I.2.b", "I.2.c", "II.1", "II.2"):
            assert _flat(sections[key]["text"]) in text, (name, key)
            for figure in sections[key]["figures"]:
                assert figure["text"] in text, (name, key, figure)
        for line in (*MOTTO, "ỦY BAN NHÂN DÂN", "THANH HÓA", "BÁO CÁO", "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN"):
            assert line in text, (name, line)
        for heading in ("I. KẾT QUẢ THỰC HIỆN", "II. ĐÁNH GIÁ CHUNG", "III. ĐỀ XUẤT, KIẾN NGHỊ"):
            assert heading in text, (name, heading)
        # Tables as on the page: per-commune activity rows and the partners, with Vietnamese intact.
        assert "Xã Xuân Lập" in text and "Ngân hàng Nông nghiệp và PTNT Thọ Xuân" in text, name
        assert "Dịch vụ công trực tuyến" in text and "Hộ chỉ có người cao tuổi" in text, name


async def test_the_xlsx_carries_the_activity_log_as_the_json_does(client: AsyncTestClient, district: District) -> None:
    admin = district.world["admin"].headers
    acts = (await _get(client, "/api/v1/reports/summary", admin, area="38")).json()["activities"]
    response = await _get(client, "/api/v1/reports/summary.xlsx", admin, area="38", lang="vi")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book["Hoạt động của tổ"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Mã", "Địa bàn", "Lớp tập huấn", "Lượt người dự")
    fields = [
        *("trainings", "training_attendees", "conferences", "guidance_sessions", "zalo_groups", "broadcasts"),
        *("posts", "wifi_points", "ecommerce_households", "ecommerce_businesses", "one_stop_sessions", "people_helped"),
    ]
    expected = [(a["code"], a["name"], *(a[f] for f in fields)) for a in (*acts["children"], acts["area"])]
    assert rows[1:] == expected
    assert rows[-1][2:4] == (3, 72) and "Xã Xuân Lập" in {row[1] for row in rows}
    partners = list(book["Đơn vị phối hợp"].iter_rows(values_only=True))[1:]
    assert {row[0] for row in partners} >= {"VNPT Thọ Xuân", "Ngân hàng Nông nghiệp và PTNT Thọ Xuân"}
    assert sum(row[1] for row in partners) == acts["area"]["trainings"]
    assert [row[1:] for row in partners] == [(p["trainings"], p["attendees"]) for p in acts["by_partner"]]
    platforms = list(book["Sàn TMĐT"].iter_rows(values_only=True))[1:]
    assert platforms == [(p["platform"], p["households"], p["businesses"]) for p in acts["by_platform"]]
    services = list(book["Hỗ trợ theo dịch vụ"].iter_rows(values_only=True))[1:]
    assert "Dịch vụ công trực tuyến" in {row[0] for row in services}
    assert [row[1] for row in services] == [s["people"] for s in acts["by_service"]]
    english = await _get(client, "/api/v1/reports/summary.xlsx", admin, area="38", lang="en")
    titles = openpyxl.load_workbook(io.BytesIO(english.content), read_only=True).sheetnames
    assert titles[-4:] == ["Team activities", "Partners", "E-commerce platforms", "Help by service"]


async def test_the_english_draft_states_the_same_figures_as_the_vietnamese(
    client: AsyncTestClient, district: District
) -> None:
    admin = district.world["admin"].headers
    drafted = {}
    for lang in ("vi", "en"):
        report = (await _get(client, "/api/v1/reports/summary", admin, area="38", lang=lang)).json()
        drafted[lang] = {s["key"]: s for s in report["sections"]}
    for key in ("I.1", "I.2.a", "I.2.b", "I.2.c", "II.1", "II.2"):
        vi, en = drafted["vi"][key], drafted["en"][key]
        assert [(f["name"], f["value"]) for f in en["figures"]] == [(f["name"], f["value"]) for f in vi["figures"]]
        assert all(f["text"] in en["text"] for f in en["figures"]), key
        assert len(en["text"]) > 0.6 * len(vi["text"]), (key, en["text"])  # the same content, not a summary of it
    assert "VNeID" in drafted["en"]["I.2.c"]["text"] and "one-stop office" in drafted["en"]["I.2.c"]["text"]


async def test_the_docx_is_set_in_a_times_serif_at_14_pt_on_a4(client: AsyncTestClient, district: District) -> None:
    response = await _get(client, "/api/v1/reports/summary.docx", district.world["supervisor_a"].headers, area="38-A")
    document = docx.Document(io.BytesIO(response.content))
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size.pt == 14
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.left_margin.mm) == 30


async def test_a_commune_officer_gets_only_their_own_commune(client: AsyncTestClient, district: District) -> None:
    sup_b = district.world["supervisor_b"].headers
    for suffix in ("docx", "pdf"):
        other = await client.get(f"/api/v1/reports/summary.{suffix}", params={"area": "38-A"}, headers=sup_b)
        assert other.status_code == 404
    own = await client.get("/api/v1/reports/summary.pdf", params={"area": "38-B"}, headers=sup_b)
    assert own.status_code == 200
    member = await client.get(
        "/api/v1/reports/summary.docx", params={"area": "38-A-1"}, headers=district.world["member_a1"].headers
    )
    assert member.status_code == 403
    listed = await client.get("/api/v1/activities", params={"limit": 100}, headers=sup_b)
    assert {item["area"] for item in listed.json()["items"]} == {"38-B-1"}
    theirs = district.activity_ids["conference"][0]
    assert (await client.get(f"/api/v1/activities/{theirs}", headers=sup_b)).status_code == 404


def test_dates_and_area_names_are_written_as_an_administrative_text_writes_them() -> None:
    from service.reports.document import _month
    from service.reports.drafting import in_sentence, short_name

    assert [_month(m, "vi") for m in (1, 2, 3, 12)] == ["01", "02", "3", "12"]  # Decree 30: only Jan and Feb
    assert in_sentence("Huyện Thọ Xuân") == "huyện Thọ Xuân" and in_sentence("Thanh Hóa") == "Thanh Hóa"
    assert short_name("Thị trấn Lam Sơn") == "Lam Sơn"
