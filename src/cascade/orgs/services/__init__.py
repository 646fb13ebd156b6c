"""Every write to organisations, members, teams and periods. The app's one public write surface
for them: callers use ``from cascade.orgs import services``; the modules of this package (one a
noun) are its inside. Invitations and the first run have modules of their own
(``cascade.orgs.invitations``, ``cascade.orgs.setup``).

Each service runs in one transaction, checks the actor's right (``cascade.permissions``),
validates all input before writing anything, and records an audit event.
"""

from cascade.orgs.services.members import (
    add_member,
    change_member,
    deactivate_member,
    reactivate_member,
)
from cascade.orgs.services.organisation import (
    change_checkin_cadence,
    change_status_margins,
    clean_timezone,
    create_organisation,
)
from cascade.orgs.services.periods import create_period
from cascade.orgs.services.teams import change_team, create_team, set_team_members
from cascade.permissions import ORGANISATION_ADMINS_ONLY as SUPER_USERS_ONLY

__all__ = [
    "SUPER_USERS_ONLY",
    "add_member",
    "change_checkin_cadence",
    "change_member",
    "change_status_margins",
    "change_team",
    "clean_timezone",
    "create_organisation",
    "create_period",
    "create_team",
    "deactivate_member",
    "reactivate_member",
    "set_team_members",
]
