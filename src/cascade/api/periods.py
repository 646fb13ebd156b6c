"""``/periods``: the time boxes goals belong to. Creating periods is for super users."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status

from cascade.api import presenters, reads
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import BodyId, Day, PeriodName
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.schemas import PeriodKindName, PeriodOut, PeriodPage
from cascade.orgs import selectors as org_selectors
from cascade.orgs import services as orgs
from cascade.orgs.models import Period

router = Router(tags=["periods"])


class PeriodIn(Schema):
    model_config = {"extra": "forbid"}

    name: PeriodName
    start: Day
    end: Day
    kind: PeriodKindName = "quarter"
    parent: BodyId | None = None


@router.get("/periods", response={200: PeriodPage, **errors(400, 401)})
def list_periods(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """The organisation's periods, earliest first (a year before the quarters it holds)."""
    me = actor(request)
    periods = Period.objects.filter(organisation_id=me.organisation_id)
    objects, meta = page_of(periods.order_by("start", "-end", "id"), paging)
    return page([presenters.period(p) for p in objects], meta)


@router.post("/periods", response={201: PeriodOut, **errors(400, 401, 403, 404)})
def create_period(request: HttpRequest, payload: PeriodIn) -> Status:
    """A new period (super users). Inside a `parent` period it must lie within its dates."""
    me = actor(request)
    period = orgs.create_period(
        actor=me,
        name=payload.name,
        start=payload.start,
        end=payload.end,
        kind=payload.kind,
        parent=reads.optional(org_selectors.get_period, me, payload.parent, "parent"),
    )
    return Status(201, presenters.period(period))
