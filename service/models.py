"""Every table, so Alembic sees one metadata."""

from service.access.models import (  # noqa: F401
    AccessLog, Area, ChangeCounter, DeviceToken, Household, LoginAttempt, LoginSession, Team, User,
)
from service.registry.models import FormVersion  # noqa: F401
from service.tables import metadata
from service.visits.models import Visit, VisitFlag, VisitPhoto  # noqa: F401

__all__ = ["metadata"]
