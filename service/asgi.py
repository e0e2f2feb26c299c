"""ASGI entry point for servers that import a factory (granian, uvicorn --factory)."""

from litestar import Litestar

from service.app import create_app
from service.settings import Settings


def app_from_env() -> Litestar:
    # Called by each server worker at start, so the environment is read then, never at import.
    return create_app(Settings.from_env())
