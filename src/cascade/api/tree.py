"""``/tree``: the alignment tree of a period, top goals first, each with its contributors below."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from cascade.api import presenters
from cascade.api.auth import actor
from cascade.api.errors import errors
from cascade.api.fields import Id
from cascade.api.schemas import TreeOut
from cascade.goals import selectors
from cascade.orgs import selectors as org_selectors

router = Router(tags=["goals"])


class TreeParams(Schema):
    period: Id | None = None


@router.get("/tree", response={200: TreeOut, **errors(400, 401, 404)})
def tree(request: HttpRequest, params: Query[TreeParams]) -> dict[str, Any]:
    """The goals you may see in the period (default: the current one) and in the periods around
    it (a quarter's year), as a forest. A goal that contributes to two goals appears under
    both; `weight` is the weight of the link to the goal above. Archived goals are left out."""
    me = actor(request)
    today = me.organisation.today()
    period = (
        org_selectors.get_period(me, params.period)
        if params.period
        else selectors.current_period(me.organisation_id, today)
    )
    if period is None:
        return {"period": None, "goals": []}
    nodes = selectors.goal_tree(me, period, today)
    return {
        "period": presenters.period_ref(period),
        "goals": [presenters.tree_node(node) for node in nodes],
    }
