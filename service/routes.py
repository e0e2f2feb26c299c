"""Every route handler of the service, by domain: the app's table of contents."""

from service.areas.controllers import AreaController
from service.audit.controllers import list_access_log
from service.auth.controllers import AuthController, MeController
from service.exports.controllers import export_households, export_visits
from service.households.controllers import HouseholdController, LocationProposalController
from service.http.health import get_health, get_ready
from service.openrosa.controllers import OPENROSA_ROUTER
from service.openrosa.review import list_openrosa_conflicts
from service.pages.controllers import PageController
from service.pages.setup import STATIC_FILES
from service.people.controllers import MemberController, TeamController
from service.phone_app.controllers import PhoneAppController
from service.registry.controllers import FormController
from service.reports.controllers import report_page, report_summary, report_xlsx
from service.reviews.controllers import BulkReviewController, MyVisitsController
from service.tallies.controllers import get_tallies
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
    get_tallies,
    export_households,
    export_visits,
    report_summary,
    report_xlsx,
    report_page,
    OPENROSA_ROUTER,
    list_openrosa_conflicts,
]
