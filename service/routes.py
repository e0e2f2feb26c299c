"""Every route handler of the service, by domain."""

from service.access.controllers import ACCESS_ROUTE_HANDLERS
from service.health import get_health, get_ready
from service.registry.controllers import FormController
from service.visits.controllers import VisitController

ROUTE_HANDLERS = [
    get_health,
    get_ready,
    FormController,
    *ACCESS_ROUTE_HANDLERS,
    VisitController,
]
