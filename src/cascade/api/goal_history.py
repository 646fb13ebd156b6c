"""A goal's past: why its progress is what it is (now or on a date), its progress over time,
and its audit trail."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from cascade.api import presenters
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import Day, Id
from cascade.api.pagination import PageParams, page, page_of
from cascade.api.schemas import AuditEventPage, ExplanationOut, HistoryPage
from cascade.audit.models import AuditEvent
from cascade.goals import selectors as goal_selectors
from cascade.goals.explanations import explain_goal
from cascade.goals.models import GoalProgress
from cascade.goals.timeline import ProgressPoint, forecast_for, progress_history

router = Router(tags=["goal history"])


class AsOf(Schema):
    as_of: Day | None = None


@router.get("/goals/{goal_id}/explain", response={200: ExplanationOut, **errors(400, 401, 404)})
def explain(request: HttpRequest, goal_id: Id, when: Query[AsOf]) -> dict[str, Any]:
    """Why the goal's progress is what it is: each contributor (key result or junior goal) with
    its progress, weight, normalised weight and `share` (the shares add up to the progress), or
    why it is left out. With `as_of=YYYY-MM-DD`, as it stood at the end of that day. A private
    goal you may not see shows as "A private goal" with a null id, its numbers intact."""
    me = actor(request)
    goal = goal_selectors.get_goal(me, goal_id)
    return presenters.explanation(explain_goal(me, goal, when.as_of), when.as_of)


@router.get("/goals/{goal_id}/history", response={200: HistoryPage, **errors(400, 401, 404)})
def history(request: HttpRequest, goal_id: Id, paging: Query[PageParams]) -> dict[str, Any]:
    """Every change of the goal's progress, oldest first, with its cause; and the forecast of
    its end-of-period progress if the trend goes on."""
    goal = goal_selectors.get_goal(actor(request), goal_id)
    points = GoalProgress.objects.filter(goal=goal).order_by("at", "id")
    objects, meta = page_of(points, paging)
    rows = [ProgressPoint(p.at, p.progress, p.cause) for p in objects]
    forecast = forecast_for(goal, progress_history(goal))
    return {**page([presenters.progress_point(p) for p in rows], meta), "forecast": forecast}


@router.get("/goals/{goal_id}/audit", response={200: AuditEventPage, **errors(400, 401, 404)})
def audit(request: HttpRequest, goal_id: Id, paging: Query[PageParams]) -> dict[str, Any]:
    """What happened to the goal and its parts, who did it and when, newest first."""
    goal = goal_selectors.get_goal(actor(request), goal_id)
    events = (
        AuditEvent.objects.filter(goal=goal)
        .select_related("actor__user")
        .order_by("-created_at", "-id")
    )
    objects, meta = page_of(events, paging)
    return page([presenters.audit_event(e) for e in objects], meta)
