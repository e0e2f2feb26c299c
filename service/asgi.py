"""ASGI entry point for servers that import a factory (granian, uvicorn --factory)."""

import logging

from litestar import Litestar

from service.app import create_app
from service.http.silent_connections import SilentConnectionWatch
from service.settings import Settings


def app_from_env() -> Litestar:
    # Called by each server worker at start, so the environment is read then, never at import.
    logger = logging.getLogger("gocua")
    if not logger.handlers:  # the server configures only its own loggers: ours go to stderr
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
    settings = Settings.from_env()
    app = create_app(settings, freeze_after_start=True)
    # Served on a socket: this worker closes the connections that never send a byte (granian does not).
    watch = SilentConnectionWatch(settings.http_header_timeout_s)
    app.on_startup.append(watch.start)
    app.on_shutdown.append(watch.stop)
    return app
