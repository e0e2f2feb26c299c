"""`gocua export households|visits --area CODE --format … --out FILE`, with a progress bar.

Runs as the operator (who holds the database's keys): no scope applies; the export is still access-logged,
with no user.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from service.settings import Settings


async def export(
    url: str,
    kind: str,
    area: str,
    fmt: str,
    out: Path,
    *,
    visited: str = "all",
    labels: str = "vi",
    form_id: str | None = None,
    show_progress: bool = True,
) -> int:
    """Writes the export to `out`; returns its size in bytes."""
    import service.db.all_tables  # noqa: F401  (every table, so foreign keys resolve)
    from service.common.progress import Progress
    from service.db.engine import create_engine, session_factory
    from service.exports import services

    engine = create_engine(url, pool_size=2)
    written = 0
    try:
        async with session_factory(engine)() as session:
            if kind == "households":
                prepared = await services.prepare_households(
                    session, engine, None, area=area, fmt=fmt, visited=visited, form_id=form_id
                )
            else:
                prepared = await services.prepare_visits(
                    session, engine, None, area=area, fmt=fmt, labels=labels, form_id=form_id
                )
            await session.commit()
        progress = Progress(f"export {kind} {fmt}", None) if show_progress else None
        with out.open("wb") as sink:
            async for data in prepared.body:
                sink.write(data)
                written += len(data)
                if progress is not None:
                    progress.advance(len(data))
        if progress is not None:
            progress.label += " bytes"
            progress.finish()
    finally:
        await engine.dispose()
    return written


def cmd_export(args: argparse.Namespace) -> int:
    from service import errors

    settings = Settings.from_env(data_dir=getattr(args, "data_dir", None))
    try:
        size = asyncio.run(
            export(
                settings.resolved_database_url,
                args.kind,
                args.area,
                args.format,
                Path(args.out),
                visited=args.visited,
                labels=args.labels,
                form_id=args.form,
            )
        )
    except errors.DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {size:,} bytes to {args.out}", flush=True)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("export", help="export the household coverage list or the visits of an area")
    command.add_argument("kind", choices=["households", "visits"])
    command.add_argument("--area", required=True, help="area code")
    command.add_argument("--format", default="csv", choices=["csv", "xlsx", "geojson"])
    command.add_argument("--out", required=True, help="file to write")
    command.add_argument("--visited", default="all", choices=["yes", "no", "all"], help="households only")
    command.add_argument("--labels", default="vi", choices=["vi", "en", "codes"], help="visits only")
    command.add_argument("--form", help="form id (default: the newest form with a rubric)")
    command.set_defaults(handler=cmd_export)
