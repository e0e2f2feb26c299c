"""Every table, so Alembic sees one metadata."""

from service.activities.models import Activity, ReportNarrative  # noqa: F401
from service.areas.models import Area  # noqa: F401
from service.assessments.models import Assessment  # noqa: F401
from service.audit.models import AccessLog  # noqa: F401
from service.auth.models import DeviceToken, LoginSession, LoginThrottle  # noqa: F401
from service.db.tables import metadata
from service.households.models import ChangeCounter, Household, LocationProposal  # noqa: F401
from service.openrosa.models import OpenRosaConflict, OpenRosaSubmission, XFormVersion  # noqa: F401
from service.people.models import Team, User  # noqa: F401
from service.registry.models import FormMedia, FormSource, FormVersion  # noqa: F401
from service.reviews.models import VisitReview  # noqa: F401
from service.tallies.models import VISITS_ON_BEHALF, TallyCell, TallyDirty  # noqa: F401
from service.visits.models import Visit, VisitAttachment, VisitFlag, VisitPhoto  # noqa: F401

__all__ = ["metadata"]
