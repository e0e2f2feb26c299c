"""Fault tests: the real server (granian), the real S3 server (SeaweedFS), PostgreSQL.

They run on PostgreSQL only (the production database) to keep the suite short; the visits domain's own tests
cover both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.visits.conftest import form, homes  # noqa: F401  (fixtures)


@pytest.fixture
def database_url(postgres_template, tmp_path: Path) -> Iterator[str]:
    with postgres_template.fresh(tmp_path) as url:
        yield url
