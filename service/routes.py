"""Every route handler of the service, by domain: the app's table of contents."""

from service.areas.controllers import AreaController
from service.audit.controllers import list_access_log
from service.auth.controllers import AuthController, MeController
from service.households.controllers import HouseholdController, LocationProposalController
from service.http.health import get_health, get_ready
from service.phone_app.controllers import PhoneAppController
from service.people.controllers import MemberController, TeamController
from service.pages.controllers import PageController
from service.pages.setup import STATIC_FILES
from service.registry.controllers import FormController
from service.reviews.controllers import BulkReviewController, MyVisitsController
from service.visits.controllers import VisitController

ROUTE_HANDLERS = [
    get_health,
    get_ready,
    FormController,
    AuthController,
    MeController,
    AreaController,
    TeamController,
    MemberController,
    HouseholdController,
    LocationProposalController,
    list_access_log,
    VisitController,
    BulkReviewController,
    MyVisitsController,
    PageController,
    STATIC_FILES,
    PhoneAppController,
]
