"""ASGI entry point for servers that import a factory (granian, uvicorn --factory)."""

import logging

from litestar import Litestar

from service.app import create_app
from service.settings import Settings


def app_from_env() -> Litestar:
    # Called by each server worker at start, so the environment is read then, never at import.
    logger = logging.getLogger("gocua")
    if not logger.handlers:  # the server configures only its own loggers: ours go to stderr
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
    return create_app(Settings.from_env(), freeze_after_start=True)
