from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from forms.bundled import bundled_form_paths
from service.app import create_app
from service.cli.main import main
from service.settings import Settings
from tests.support.forms_data import small_form


async def test_ready_answers_503_problem_when_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none")
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert (await client.get("/health")).status_code == 200
        ready = await client.get("/ready")
    assert ready.status_code == 503
    assert ready.headers["content-type"].startswith("application/problem+json")
    body = ready.json()
    assert body["code"] == "server.unavailable"
    assert body["extra"] == {"database": False, "object_store": True}


def test_cli_publishes_forms_and_reports_errors(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GOCUA_DATABASE_URL", database_url)
    assert main(["migrate"]) == 0
    bundled = str(bundled_form_paths()[0])
    assert main(["forms", "publish", bundled]) == 0
    assert "published" in capsys.readouterr().out
    assert main(["forms", "publish", bundled]) == 0
    assert "already published" in capsys.readouterr().out

    bundled_version = json.loads(bundled_form_paths()[0].read_text())["version"]
    changed = small_form(form_id="household-digital-skills", version=bundled_version)
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(changed))
    assert main(["forms", "publish", str(path)]) == 2
    assert "form.version_conflict" in capsys.readouterr().err

    broken = tmp_path / "broken.json"
    broken.write_text('{"id": "x"}')
    assert main(["forms", "publish", str(broken)]) == 2
    assert "form.invalid" in capsys.readouterr().err
