"""Reads the API needs on top of the selectors, always scoped to what the caller may see.

``goal_details`` is ``selectors.goal_detail`` for a whole page of goals at once, built from the
same pieces (``visible_goals``, ``key_result_rows``, ``standing``), so that a list costs a fixed
number of queries whatever its length. Objects are looked up by id through the apps' selectors
(``get_goal``, ``get_member``…), the same lookups as the web pages'.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date

from django.db.models import Q

from cascade.goals.models import Contribution, Goal, GoalProgress, KeyResult, State
from cascade.goals.selectors import (
    GoalDetail,
    key_result_rows,
    link_rows,
    standing,
    visible_goals,
)
from cascade.goals.timeline import ProgressPoint, forecast_for
from cascade.integrations.source_state import SOURCE
from cascade.orgs.models import Member


def goal_details(actor: Member, goals: Sequence[Goal], today: date) -> list[GoalDetail]:
    """The detail of each goal (its KRs, contributors and parents): three queries in all."""
    ids = [goal.pk for goal in goals]
    links = list(
        Contribution.objects.filter(Q(senior_id__in=ids) | Q(junior_id__in=ids))
        .select_related("junior", "senior")
        .order_by("-weight", "id")
    )
    ends = {link.junior_id for link in links} | {link.senior_id for link in links}
    visible = set(visible_goals(actor).filter(pk__in=ends).values_list("pk", flat=True))
    key_results = defaultdict(list)
    krs = KeyResult.objects.filter(goal_id__in=ids).select_related(*SOURCE)
    for kr in krs.order_by("goal_id", "position", "id"):
        key_results[kr.goal_id].append(kr)
    return [
        GoalDetail(
            goal,
            standing(goal, actor.organisation, today),
            key_result_rows(key_results[goal.pk]),
            *link_rows(goal.pk, links, visible),
        )
        for goal in goals
    ]


def forecasts(goals: Sequence[Goal]) -> dict[int, float | None]:
    """Each goal's forecast (``timeline.forecast_for``), from one query for all histories."""
    active = [goal.pk for goal in goals if goal.state == State.ACTIVE]
    histories: dict[int, list[ProgressPoint]] = defaultdict(list)
    rows = (
        GoalProgress.objects.filter(goal_id__in=active)
        .order_by("goal_id", "at", "id")
        .values_list("goal_id", "at", "progress", "cause")
    )
    for goal_id, at, progress, cause in rows:
        histories[goal_id].append(ProgressPoint(at, progress, cause))
    return {goal.pk: forecast_for(goal, histories[goal.pk]) for goal in goals}


def optional[T](
    lookup: Callable[[Member, object, str], T], actor: Member, raw_id: int | None, field: str
) -> T | None:
    """A selector's lookup (``get_member``, ``get_team``…) of an id a body may leave out or set
    to null: nothing to look up then."""
    return None if raw_id is None else lookup(actor, raw_id, field)
