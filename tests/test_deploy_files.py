"""compose.yaml and the Dockerfile, checked without Docker (not runnable on the test machines): the stack a
district IT office would start has what the issue asks for, and nothing in it refers to a missing file."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_migrations_run_once_before_the_servers_start():
    services = _compose()["services"]
    assert services["migrate"]["command"] == ["gocua", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["gocua"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "--no-migrate" in services["gocua"]["command"]  # workers never race to migrate


def test_every_long_running_service_restarts_and_is_health_checked():
    services = _compose()["services"]
    for name in ("db", "minio", "gocua", "proxy"):
        assert services[name]["restart"] == "unless-stopped", name
    assert "healthcheck" in services["db"] and "healthcheck" in services["minio"]
    assert services["gocua"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert services["proxy"]["depends_on"]["gocua"] == {"condition": "service_healthy"}  # the image's HEALTHCHECK


def test_configuration_is_gocua_settings_and_secrets_are_required():
    services = _compose()["services"]
    names = {field.upper() for field in Settings.__struct_fields__}
    for key in services["gocua"]["environment"]:
        assert key.startswith("GOCUA_") and key.removeprefix("GOCUA_") in names, key
    text = (ROOT / "compose.yaml").read_text()
    assert "${POSTGRES_PASSWORD:?" in text and "${MINIO_ROOT_PASSWORD:?" in text
    assert "change-me" not in text


def test_mounted_files_exist():
    for service in _compose()["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), source


def test_the_image_is_multi_stage_non_root_and_health_checked():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.MULTILINE)) >= 2
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/health", dockerfile, re.MULTILINE)
    for copied in re.findall(r"^COPY (?!--from)(\S+)", dockerfile, re.MULTILINE):
        assert (ROOT / copied).exists(), copied
