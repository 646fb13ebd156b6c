"""``/audit-events``: the organisation's audit trail, for super users."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from cascade import permissions
from cascade.api import presenters
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import EventKindName, Id
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.schemas import AuditEventPage
from cascade.audit.models import AuditEvent

router = Router(tags=["audit"])


class AuditFilters(Schema):
    kind: EventKindName = ""
    goal: Id | None = None
    actor: Id | None = None


@router.get("/audit-events", response={200: AuditEventPage, **errors(400, 401, 403)})
def list_audit_events(
    request: HttpRequest, filters: Query[AuditFilters], paging: Query[PageParams]
) -> dict[str, Any]:
    """Who did what and when, newest first (super users). `kind` is an event kind such as
    `goal.created` or `key_result.checked_in`; `goal` and `actor` are ids."""
    me = actor(request)
    permissions.require(
        permissions.can_manage_organisation(me), "Only super users may read the audit trail."
    )
    events = AuditEvent.objects.filter(organisation_id=me.organisation_id)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.goal is not None:
        events = events.filter(goal_id=filters.goal)
    if filters.actor is not None:
        events = events.filter(actor_id=filters.actor)
    objects, meta = page_of(
        events.select_related("actor__user").order_by("-created_at", "-id"), paging
    )
    return page([presenters.audit_event(e) for e in objects], meta)
