"""`gocua serve --demo`: a fresh checkout becomes a running service with forms and demo data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from service.cli.main import run_with_session
from service.db.engine import migrate
from service.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from service.demo.seed import SeedResult


def prepare_demo(settings: Settings, *, history: bool = True) -> None:
    from forms.bundled import bundled_form_paths
    from service.registry import services

    migrate(settings.resolved_database_url)

    async def publish_bundled(session: AsyncSession) -> None:
        for path in bundled_form_paths():
            await services.publish(session, services.parse_definition(path.read_bytes()), None)

    run_with_session(settings, publish_bundled)
    seed_small_if_empty(settings, history=history)


def seed_small_if_empty(settings: Settings, *, history: bool = True) -> None:
    """Seeds the `small` demo into an empty database; a restart finds it seeded and leaves it alone. Without
    `history`, the villages as on their first day: nobody visited yet (the phone app's tests walk that day)."""
    from service.cli.people_places import write_credentials
    from service.demo.seed import database_is_empty, seed, seed_with_history

    async def seed_if_empty(session: AsyncSession) -> SeedResult | None:
        if not await database_is_empty(session):
            return None
        return await (seed_with_history(session, settings, "small") if history else seed(session, "small"))

    result = run_with_session(settings, seed_if_empty)
    path = settings.data_dir / "demo-credentials.json"
    if result is not None:
        write_credentials(path, result.credentials)
        print(f"demo data seeded (small); logins and phone tokens in {path}", flush=True)
    elif path.exists():
        print(f"demo data already present; logins and phone tokens in {path}", flush=True)


def start_message(base_url: str, credentials: Path | None) -> str:
    """What `gocua serve` prints once it is about to listen: where each part is, and with `--demo` whom to try."""
    lines = [
        f"Gõ Cửa on {base_url}",
        f"  supervisors' pages (sign in, review queue, reports): {base_url}/",
        f"  members' phone app (offline, sign in with a device token): {base_url}/app",
        f"  API documentation: {base_url}/schema",
    ]
    if credentials is not None and credentials.exists():
        import json

        found = json.loads(credentials.read_text(encoding="utf-8"))
        supervisors = found.get("supervisors") or []
        # A commune's supervisor: a few villages, a full queue (the province's one sees everything).
        pick = supervisors[1] if len(supervisors) > 1 else (supervisors[0] if supervisors else None)
        if pick is not None:
            who = f"{pick['username']} / {pick['password']}"
            area = f"commune {pick['area_code']}; the province's supervisor is {supervisors[0]['username']}"
            lines.append(f"  demo supervisor to try: {who} ({area})")
        lines.append(f"  all demo logins and the members' phone tokens: {credentials}")
    return "\n".join(lines)
