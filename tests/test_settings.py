from pathlib import Path

import msgspec
import pytest

from service.settings import Settings


def test_settings_come_from_gocua_variables():
    settings = Settings.from_env(
        {
            "GOCUA_DATA_DIR": "/srv/gocua",
            "GOCUA_S3_ENDPOINT": "minio:9000",
            "GOCUA_S3_SECURE": "true",
            "GOCUA_FAR_FROM_HOUSEHOLD_M": "250",
            "OTHER": "ignored",
        }
    )
    assert settings.data_dir == Path("/srv/gocua")
    assert settings.uses_s3 and settings.s3_secure
    assert settings.far_from_household_m == 250.0
    assert settings.resolved_database_url == "sqlite+aiosqlite:////srv/gocua/gocua.sqlite3"


def test_database_url_overrides_the_sqlite_default():
    url = "postgresql+asyncpg://u:p@db:5432/gocua"
    assert Settings.from_env({"GOCUA_DATABASE_URL": url}).resolved_database_url == url


def test_a_mistyped_variable_is_named_in_the_error():
    with pytest.raises(msgspec.ValidationError, match="far_from_household_m"):
        Settings.from_env({"GOCUA_FAR_FROM_HOUSEHOLD_M": "far"})


def _readme_settings_tables() -> list[list[list[str]]]:
    """Every table of the README's "Configuration" section, as rows of cell texts (header row first), read by a
    Markdown parser: a blank line inside a table splits it in two, and a row outside any table is not one."""
    from markdown_it import MarkdownIt

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    tokens = MarkdownIt("commonmark").enable("table").parse(section)
    tables: list[list[list[str]]] = []
    row: list[str] | None = None
    for token in tokens:
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(token.content)
        elif token.type == "tr_close" and row is not None:
            tables[-1].append(row)
            row = None
    return tables


def test_the_readme_settings_table_is_one_table_naming_each_setting_once() -> None:
    tables = [t for t in _readme_settings_tables() if t and t[0][:3] == ["variable", "default", "meaning"]]
    assert len(tables) == 1, "one settings table (a blank line splits a Markdown table)"
    named = [name.strip("` ") for cells in tables[0][1:] for name in cells[0].split(",")]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    written = [line for line in readme.splitlines() if line.startswith("| `GOCUA_")]
    assert len(written) == len(tables[0]) - 1, "every settings row is a row of the one table"
    assert len(named) == len(set(named)), f"named twice: {sorted({n for n in named if named.count(n) > 1})}"
    fields = {f"GOCUA_{field.name.upper()}" for field in msgspec.structs.fields(Settings)}
    assert sorted(fields - set(named)) == [], "settings missing from the README"
    assert sorted(set(named) - fields) == [], "README variables that are no setting"
    assert all(cells[2] for cells in tables[0][1:]), "every variable says what it means"


def test_the_readme_defaults_are_the_settings_defaults() -> None:
    (table,) = [t for t in _readme_settings_tables() if t and t[0][:3] == ["variable", "default", "meaning"]]
    defaults = {f"GOCUA_{field.name.upper()}": field.default for field in msgspec.structs.fields(Settings)}
    for name_cell, default_cell, _ in table[1:]:
        names = [name.strip("` ") for name in name_cell.split(",")]
        values = [value.strip("` ") for value in default_cell.split(",")] if "`" in default_cell else []
        if len(values) != len(names):
            continue  # described in words ("SQLite in the data dir", "one per core")
        for name, value in zip(names, values, strict=True):
            expected = defaults[name]
            if isinstance(expected, bool):
                assert value == str(expected).lower(), name
            elif isinstance(expected, (int, float)):
                assert float(value) == float(expected), name
            else:
                assert value in (str(expected), f"./{expected}"), name
