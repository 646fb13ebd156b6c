"""Remembering when a member last looked at their week."""

from datetime import datetime, timedelta

from cascade.core import clock
from cascade.orgs.models import Member
from cascade.web.models import Visit

NEW_VISIT_AFTER = timedelta(minutes=30)


def note_visit(member: Member) -> datetime | None:
    """Record this visit; return the moment of the previous one (None on the first visit)."""
    now = clock.now()
    visit, created = Visit.objects.get_or_create(
        member=member, defaults={"organisation_id": member.organisation_id, "last_seen_at": now}
    )
    if created:
        return None
    if now - visit.last_seen_at >= NEW_VISIT_AFTER:
        visit.previous_seen_at, visit.last_seen_at = visit.last_seen_at, now
        visit.save(update_fields=["previous_seen_at", "last_seen_at"])
    return visit.previous_seen_at
