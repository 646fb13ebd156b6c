"""Periods: the time boxes goals run in."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from cascade import permissions
from cascade.audit.models import EventKind
from cascade.audit.services import record
from cascade.core.errors import combine, invalid
from cascade.core.text import column_length
from cascade.core.transactions import atomic_with_retries
from cascade.orgs.models import Member, Period, PeriodKind
from cascade.orgs.services._shared import _clean_name


@atomic_with_retries
def create_period(
    *,
    actor: Member,
    name: str,
    start: date,
    end: date,
    kind: str = PeriodKind.QUARTER,
    parent: Period | None = None,
) -> Period:
    permissions.require_organisation_admin(actor)
    permissions.require_same_organisation(actor, parent)
    name = _clean_name(name, max_length=column_length(Period, "name"))
    errors: dict[str, ValidationError] = {}
    if kind not in PeriodKind.values:
        errors["kind"] = invalid(f"Choose one of: {', '.join(PeriodKind.values)}.", "kind_unknown")
    if end < start:
        errors["end"] = invalid("A period cannot end before it starts.", "ends_before_start")
    elif parent is not None and (start < parent.start or end > parent.end):
        errors["parent"] = invalid(
            f"A period inside {parent.name} must lie within {parent.start} – {parent.end}.",
            "outside_parent",
        )
    if Period.objects.filter(organisation_id=actor.organisation_id, name=name).exists():
        errors["name"] = invalid("There is already a period with this name.", "name_taken")
    if errors:
        raise combine(errors)
    period = Period.objects.create(
        organisation_id=actor.organisation_id,
        name=name,
        kind=kind,
        start=start,
        end=end,
        parent=parent,
    )
    record(
        organisation=actor.organisation_id,
        actor=actor,
        kind=EventKind.PERIOD_CREATED,
        subject=period,
        data={"name": name, "start": start.isoformat(), "end": end.isoformat()},
    )
    return period
