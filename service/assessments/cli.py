"""`gocua assessments rescore [--form ID]`: recompute every household's assessments from its visits.

After a rubric fix. Households are taken in id order, a batch per transaction, so an interrupted run keeps the
batches it finished and a rerun (from the start, or `--after ID`) converges to the same result.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid

from service.db.tables import table_of
from service.settings import Settings

BATCH = 2_000


async def rescore(
    url: str, form_id: str | None, *, batch: int = BATCH, after: uuid.UUID | None = None, show_progress: bool = True
) -> int:
    """Recomputes the assessments of every household after `after`; returns the assessments now held."""
    from sqlalchemy import func, select

    import service.db.all_tables  # noqa: F401  (every table, so foreign keys resolve)
    from service.assessments.services import rebuild
    from service.common.progress import Progress
    from service.db.engine import create_engine
    from service.households.models import Household
    from service.households.visit_state import mark_changed

    households = table_of(Household)
    engine = create_engine(url, pool_size=2)
    kept = 0
    try:
        async with engine.connect() as connection:
            count = select(func.count()).select_from(households)
            if after is not None:
                count = count.where(households.c.id > after)
            total = (await connection.execute(count)).scalar_one()
            await connection.rollback()
        progress = Progress("rescore", total) if show_progress else None
        while True:
            async with engine.begin() as connection:
                page = select(households.c.id).order_by(households.c.id).limit(batch)
                if after is not None:
                    page = page.where(households.c.id > after)
                ids = list((await connection.execute(page)).scalars())
                if not ids:
                    break
                await mark_changed(connection, ids)  # levels may change: phones re-sync (before the assessment rows)
                kept += await rebuild(connection, ids, form_id)
            after = ids[-1]
            if progress is not None:
                progress.advance(len(ids))
        if progress is not None:
            progress.finish()
    finally:
        await engine.dispose()
    return kept


def cmd_rescore(args: argparse.Namespace) -> int:
    settings = Settings.from_env(data_dir=getattr(args, "data_dir", None))
    try:
        kept = asyncio.run(
            rescore(
                settings.resolved_database_url,
                args.form,
                batch=args.batch,
                after=uuid.UUID(args.after) if args.after else None,
            )
        )
    except KeyboardInterrupt:
        print("\ninterrupted: finished batches are kept; run it again to finish", file=sys.stderr)
        return 130
    print(f"{kept:,} assessment(s) held after rescoring", flush=True)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("assessments", help="per-household assessments").add_subparsers(
        dest="assessments_command", required=True
    )
    rescore_cmd = group.add_parser("rescore", help="recompute every household's assessments from its visits")
    rescore_cmd.add_argument("--form", help="only this form id")
    rescore_cmd.add_argument("--batch", type=int, default=BATCH, help=f"households per transaction ({BATCH:,})")
    rescore_cmd.add_argument("--after", help="resume after this household id (the run is safe to repeat anyway)")
    rescore_cmd.set_defaults(handler=cmd_rescore)
