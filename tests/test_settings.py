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


def test_every_setting_is_listed_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    missing = [
        f"GOCUA_{field.name.upper()}"
        for field in msgspec.structs.fields(Settings)
        if f"`GOCUA_{field.name.upper()}`" not in readme
    ]
    assert missing == []
