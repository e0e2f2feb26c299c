"""`gocua serve --demo`: a fresh checkout becomes a running service with forms and demo data."""

from __future__ import annotations

from service.cli import run_with_session
from service.db import migrate
from service.settings import Settings


def prepare_demo(settings: Settings) -> None:
    from forms.bundled import bundled_form_paths
    from service.registry import services

    migrate(settings.resolved_database_url)

    async def publish_bundled(session):  # type: ignore[no-untyped-def]
        for path in bundled_form_paths():
            await services.publish(session, services.parse_definition(path.read_bytes()), None)

    run_with_session(settings, publish_bundled)
