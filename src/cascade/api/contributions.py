"""Contributions: weighted links from a junior goal to a senior goal, through which progress rolls up.

The owner of either goal, or a super user, may link, re-weight and unlink them. A link that
would close a cycle, or that exists already, is a conflict (409).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status

from cascade.api import presenters
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import BodyId, Id, Weight
from cascade.api.schemas import ContributionOut
from cascade.goals import selectors as goal_selectors
from cascade.goals import services

router = Router(tags=["contributions"])


class ContributionIn(Schema):
    model_config = {"extra": "forbid"}

    senior_goal: BodyId
    weight: Weight = 1


class ContributionPatch(Schema):
    model_config = {"extra": "forbid"}

    weight: Weight


@router.post(
    "/goals/{goal_id}/contributions",
    response={201: ContributionOut, **errors(400, 401, 403, 404, 409)},
)
def create_contribution(request: HttpRequest, goal_id: Id, payload: ContributionIn) -> Status:
    """Make this goal contribute to `senior_goal` with a weight (default 1): its progress then
    counts in the senior goal's, next to the senior goal's own key results."""
    me = actor(request)
    link = services.align_goal(
        actor=me,
        junior=goal_selectors.get_goal(me, goal_id),
        senior=goal_selectors.get_goal(me, payload.senior_goal, "senior_goal"),
        weight=payload.weight,
    )
    return Status(201, presenters.contribution(link))


@router.patch(
    "/contributions/{contribution_id}",
    response={200: ContributionOut, **errors(400, 401, 403, 404)},
)
def patch_contribution(
    request: HttpRequest, contribution_id: Id, payload: ContributionPatch
) -> dict[str, Any]:
    """Change the weight of a link; 0 keeps the link but stops it counting."""
    me = actor(request)
    link = services.change_contribution_weight(
        actor=me,
        contribution=goal_selectors.get_contribution(me, contribution_id),
        weight=payload.weight,
    )
    return presenters.contribution(link)


@router.delete(
    "/contributions/{contribution_id}", response={204: None, **errors(400, 401, 403, 404)}
)
def delete_contribution(request: HttpRequest, contribution_id: Id) -> HttpResponse:
    """Unlink the two goals. An active senior goal keeps at least one key result or
    contributing goal."""
    me = actor(request)
    services.remove_contribution(
        actor=me, contribution=goal_selectors.get_contribution(me, contribution_id)
    )
    return HttpResponse(status=204)
