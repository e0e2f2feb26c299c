"""Every route handler of the access domain, for `service.routes`."""

from service.access.areas_controllers import AreaController
from service.access.audit_controllers import list_access_log
from service.access.auth_controllers import AuthController, MeController
from service.access.households_controllers import HouseholdController
from service.access.members_controllers import MemberController, TeamController

ACCESS_ROUTE_HANDLERS = [
    AuthController, MeController, AreaController, TeamController, MemberController, HouseholdController,
    list_access_log,
]
