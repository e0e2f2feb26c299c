"""`gocua` command line: serve, migrate, forms, and the domain commands registered by each package."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from service.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from service.registry.schemas import PublishWarning

T = TypeVar("T")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(data_dir=getattr(args, "data_dir", None))


def run_with_session(settings: Settings, work: Callable[..., Awaitable[T]]) -> T:
    """Runs `work(session)` in one transaction against the configured database, committing on success."""
    import service.db.all_tables  # noqa: F401  (every table, so foreign keys between domains resolve)
    from service.db.engine import create_engine, session_factory

    async def runner() -> T:
        engine = create_engine(settings.resolved_database_url)
        try:
            async with session_factory(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(runner())


def cmd_migrate(args: argparse.Namespace) -> int:
    from service.db.engine import migrate

    settings = _settings(args)
    migrate(settings.resolved_database_url)
    print("database is at the newest revision")
    return 0


def port_in_use(host: str, port: int) -> OSError | None:
    """Why `host:port` cannot be bound by a plain socket (None when it can).

    granian binds with SO_REUSEPORT, so a second instance on a busy port would start silently and split the
    traffic with the first; a probe without it fails as soon as anything listens there.
    """
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed server's TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    settings = _settings(args)
    busy = port_in_use(args.host, args.port)
    if busy is not None:
        print(
            f"error: cannot listen on {args.host}:{args.port}: {busy.strerror or busy} "
            "(is another Gõ Cửa, or another server, already running there?)",
            file=sys.stderr,
        )
        return 1
    if args.data_dir:
        os.environ["GOCUA_DATA_DIR"] = str(args.data_dir)
    if args.demo:
        from service.cli.demo import prepare_demo

        prepare_demo(settings)
    elif not args.no_migrate:
        from service.db.engine import migrate

        migrate(settings.resolved_database_url)
    print(f"Gõ Cửa on http://{args.host}:{args.port}  (API docs: /schema)", flush=True)
    header_timeout_ms = max(1, min(60_000, int(settings.http_header_timeout_s * 1000)))
    Granian(
        "service.asgi:app_from_env",
        factory=True,
        address=args.host,
        port=args.port,
        workers=args.workers,
        interface=Interfaces.ASGI,
        log_access=False,
        # One crashed worker (a segfault, the OOM killer) must not stop the others: it is replaced.
        respawn_failed_workers=True,
        respawn_interval=1.0,
        # Headers must arrive within this, and an idle keep-alive connection is closed after it: a client
        # holding thousands of silent connections runs out of them instead of the server running out of room.
        # Slow bodies are the reverse proxy's to cut (docs/deploy.md: client_body_timeout).
        http1_settings=HTTP1Settings(header_read_timeout=header_timeout_ms),
        # granian stops accepting once this many connections per worker are open, and a connection that never
        # sends a byte is not timed out by it: the cap is set well above what phones need, and the reverse proxy
        # in front (docs/deploy.md) cuts silent connections and limits them per address.
        backlog=max(1024, settings.http_max_connections),
        backpressure=settings.http_max_connections,
        # A stop (SIGTERM) waits this long for a worker's open connections, then kills it.
        workers_kill_timeout=10,
    ).serve()
    return 0


def cmd_forms_publish(args: argparse.Namespace) -> int:
    from service.registry import services

    settings = _settings(args)
    content = Path(args.file).read_bytes()
    warnings: list[PublishWarning] = []
    if args.file.lower().endswith((".xlsx", ".xls")):
        definition, warnings = services.parse_xlsform(content, Path(args.file).name)
    else:
        definition = services.parse_definition(content)

    async def work(session: AsyncSession) -> services.Published:
        from service.openrosa.xforms import store_xform, xform_warning

        published = await services.publish(session, definition, None)
        if published.created:  # the XForm for ODK clients, generated once (service/openrosa)
            warning = xform_warning(await store_xform(session, definition, xlsform))
            if warning:
                warnings.append(warning)
        return published

    xlsform = content if args.file.lower().endswith((".xlsx", ".xls")) else None
    published = run_with_session(settings, work)
    state = "published" if published.created else "already published (same content)"
    print(f"{published.form_id} v{published.version}: {state}, hash {published.content_hash}")
    for warning in warnings:
        print(f"warning: {warning.path}: {warning.message_en}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gocua", description="Gõ Cửa service")
    parser.add_argument("--data-dir", type=Path, default=None, help="overrides GOCUA_DATA_DIR")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="migrate, publish bundled forms, seed demo data")
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="skip migrations (a one-shot `gocua migrate` ran them, as in compose.yaml)",
    )
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("migrate", help="bring the database schema to the newest revision").set_defaults(
        handler=cmd_migrate
    )

    forms_cmd = commands.add_parser("forms", help="form registry").add_subparsers(dest="forms_command", required=True)
    publish = forms_cmd.add_parser("publish", help="publish a JSON form definition (or an .xlsx XLSForm)")
    publish.add_argument("file")
    publish.set_defaults(handler=cmd_forms_publish)
    imported = forms_cmd.add_parser("import", help="publish an XLSForm (.xlsx)")
    imported.add_argument("file")
    imported.set_defaults(handler=cmd_forms_publish)

    for register in _domain_commands():
        register(commands)
    return parser


def _domain_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    from service.cli.domains import REGISTRARS

    return REGISTRARS


def main(argv: list[str] | None = None) -> int:
    from service.errors import DomainError

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except DomainError as exc:
        print(f"error {exc.kind.code}: {exc.detail_en}", file=sys.stderr)
        for item in exc.errors or []:
            print(f"  - {item}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
