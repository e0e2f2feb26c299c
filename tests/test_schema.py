"""The Alembic migrations (the only schema source) and the SQLModel tables describe the same schema.

The raw SQL of the submission path (asyncpg statements, `unnest` inserts) is built from the metadata, so a
column the migrations lack, or of another type, would fail there first; Alembic's autogenerate comparison of a
freshly migrated database against the metadata must find nothing, on both databases.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from service.db.all_tables import metadata
from service.db.engine import sync_url


def test_migrations_and_metadata_describe_the_same_schema(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": False}
            )
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []
