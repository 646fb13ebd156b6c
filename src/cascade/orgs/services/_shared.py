"""What the organisation services share: the super users' rule and names."""

from __future__ import annotations

from cascade import permissions
from cascade.core.text import clean_text, column_length
from cascade.orgs.models import Member, Team

SUPER_USERS_ONLY = (
    "Only super users may change the organisation's people, teams, periods and settings."
)


def _require_admin(actor: Member) -> None:
    permissions.require(permissions.can_manage_organisation(actor), SUPER_USERS_ONLY)


def _clean_name(value: str, field: str = "name", max_length: int | None = None) -> str:
    """A name of an organisation or a team (120 characters, as their columns), or of a period."""
    limit = max_length or column_length(Team, "name")
    return clean_text(value, field, required=True, max_length=limit)
