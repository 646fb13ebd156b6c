"""The organisation's setting: do performance reviews include a goals column?"""

from __future__ import annotations

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core.errors import invalid
from cascade.core.transactions import atomic_with_retries
from cascade.orgs.models import Member, Organisation
from cascade.performance.models import Phase, ReviewCycle


@atomic_with_retries
def set_goals_in_reviews(*, actor: Member, enabled: bool) -> Organisation:
    """Turn the goals column of performance reviews on or off. Super users only; audited.

    It applies to the review cycles still in planning and to those created later; a cycle
    that has started keeps the setting it started with (``ReviewCycle.include_goals``).
    """
    permissions.require(
        permissions.can_manage_organisation(actor),
        "Only super users may decide whether performance reviews include goals.",
    )
    if not isinstance(enabled, bool):
        raise invalid("Say true or false.", "boolean_required", "include_goals_in_reviews")
    organisation = Organisation.objects.select_for_update().get(pk=actor.organisation_id)
    if organisation.include_goals_in_reviews != enabled:
        before = organisation.include_goals_in_reviews
        organisation.include_goals_in_reviews = enabled
        organisation.save(update_fields=["include_goals_in_reviews"])
        ReviewCycle.objects.filter(organisation=organisation, phase=Phase.PLANNING).update(
            include_goals=enabled
        )
        record(
            organisation=organisation,
            actor=actor,
            kind=EventKind.GOALS_IN_REVIEWS_CHANGED,
            subject=organisation,
            data={"include_goals_in_reviews": [before, enabled]},
        )
    return organisation
