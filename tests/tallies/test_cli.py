"""The commands: `gocua export` writes what the API serves; `gocua assessments rescore` converges."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import anyio
import openpyxl
import pytest

from service.cli.main import main
from service.settings import Settings
from tests.support.scenario import Scenario


async def test_export_and_rescore_commands(
    settings: Settings,
    tmp_path: Path,
    scenario: Scenario,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GOCUA_DATABASE_URL", settings.resolved_database_url)
    out = tmp_path / "ho.csv"
    assert (
        await anyio.to_thread.run_sync(
            main, ["export", "households", "--area", "38-A", "--format", "csv", "--out", str(out), "--visited", "yes"]
        )
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert sorted(row["Chủ hộ"] for row in rows) == ["Lê Thị Một", "Trần Văn Hai", "Đỗ Thị Năm"]
    captured = capsys.readouterr()
    assert "wrote" in captured.out and "export households csv" in captured.err  # the progress line
    xlsx = tmp_path / "phieu.xlsx"
    assert (
        await anyio.to_thread.run_sync(
            main, ["export", "visits", "--area", "38", "--format", "xlsx", "--out", str(xlsx), "--labels", "en"]
        )
        == 0
    )
    workbook = openpyxl.load_workbook(xlsx, read_only=True)
    try:
        sheet = workbook.active
        assert next(sheet.iter_rows(values_only=True))[0] == "Visit id"
        assert len(list(sheet.iter_rows())) == 1 + 8  # v1-v8; v9's village is closed
    finally:
        workbook.close()  # read-only workbooks keep their file open until closed
    assert (
        await anyio.to_thread.run_sync(
            main, ["export", "households", "--area", "nowhere", "--format", "csv", "--out", str(out)]
        )
        == 2
    )
    assert "object.not_found" in capsys.readouterr().err
    for _ in range(2):  # a rerun converges to the same result
        assert await anyio.to_thread.run_sync(main, ["assessments", "rescore", "--batch", "2"]) == 0
        assert "5 assessment(s) held" in capsys.readouterr().out  # H1, H2, H5, H7 and H9 (closed village)
