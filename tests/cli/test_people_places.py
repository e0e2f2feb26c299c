"""The `gocua` commands of this domain, run as an operator would (exit codes, messages, nothing half-done)."""

from __future__ import annotations

import json

import pytest

from service.cli.main import main


@pytest.fixture
def gocua(settings, monkeypatch):
    monkeypatch.setenv("GOCUA_DATABASE_URL", settings.resolved_database_url)

    def run(*args: str) -> int:
        return main(["--data-dir", str(settings.data_dir), *args])

    return run


def test_loading_a_province_villages_people_and_households(gocua, tmp_path, capsys):
    assert gocua("areas", "import-vn", "--province", "38") == 0
    assert "created 167" in capsys.readouterr().out
    villages = tmp_path / "villages.csv"
    villages.write_text("code,name,parent_code,lat,lon\n14797-01,Tổ dân phố 1,14797,19.8,105.77\n", encoding="utf-8")
    assert gocua("areas", "import", str(villages)) == 0
    people = tmp_path / "people.csv"
    people.write_text("username,full_name,area_code,role\nlê.văn.tám,Lê Văn Tám,14797-01,leader\n", encoding="utf-8")
    assert gocua("members", "import", str(people)) == 0
    assert "teams_created 1" in capsys.readouterr().out
    households = tmp_path / "households.csv"
    households.write_text("area_code,official_code,head_name\n14797-01,HGD-1,Trần Thị Lụa\n", encoding="utf-8")
    assert gocua("households", "import", str(households)) == 0
    assert gocua("households", "import", str(households)) == 0
    assert "unchanged 1" in capsys.readouterr().out


def test_a_bad_file_exits_2_and_lists_its_errors(gocua, tmp_path, capsys):
    broken = tmp_path / "villages.csv"
    broken.write_text("code,name,parent_code\nX-1,Thôn,missing-parent\n", encoding="utf-8")
    assert gocua("areas", "import", str(broken)) == 2
    err = capsys.readouterr().err
    assert "csv.invalid" in err and "area.unknown_parent" in err


def test_importers_list_bad_lines_instead_of_a_traceback(gocua, tmp_path, capsys):
    assert gocua("areas", "import-vn", "--province", "38") == 0
    villages = tmp_path / "villages.csv"
    villages.write_text("code,name,parent_code\n14797-01,Tổ dân phố 1,14797\n", encoding="utf-8")
    assert gocua("areas", "import", str(villages)) == 0
    capsys.readouterr()
    people = tmp_path / "people.csv"
    people.write_text("username,full_name,area_code\nmot,Một,14797-01\nhai,Hai\n", encoding="utf-8")
    assert gocua("members", "import", str(people)) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "line 3: csv.missing_fields" in err
    households = tmp_path / "households.csv"
    households.write_text('area_code,head_name\n14797-01,Trần Thị Lụa\n14797-01,"Lê\n', encoding="utf-8")
    assert gocua("households", "import", str(households)) == 2
    assert "line 3: csv.malformed" in capsys.readouterr().err
    # A village alone names no household: refused with its line, nothing imported.
    households.write_text("area_code,head_name\n14797-01,Trần Thị Lụa\n14797-01,\n", encoding="utf-8")
    assert gocua("households", "import", str(households)) == 2
    assert "line 3, head_name: household.unidentified" in capsys.readouterr().err
    households.write_text("area_code\n14797-01\n", encoding="utf-8")
    assert gocua("households", "import", str(households)) == 2
    assert "line 2, head_name: household.unidentified" in capsys.readouterr().err


def test_demo_seed_writes_credentials_and_refuses_a_used_database(gocua, tmp_path, capsys):
    creds = tmp_path / "creds.json"
    assert gocua("demo-seed", "--scale", "small", "--out", str(creds)) == 0
    data = json.loads(creds.read_text(encoding="utf-8"))
    assert data["admin"]["username"] == "admin" and len(data["members"]) == 24
    assert (creds.stat().st_mode & 0o777) == 0o600
    assert gocua("demo-seed", "--scale", "small", "--out", str(tmp_path / "again.json")) == 2
    assert "demo.database_not_empty" in capsys.readouterr().err
