"""Reads the API needs on top of the selectors, always scoped to what the caller may see.

``goal_details`` is ``selectors.goal_detail`` for a whole page of goals at once, built from the
same pieces (``visible_goals``, ``key_result_rows``, ``standing``), so that a list costs a fixed
number of queries whatever its length. The objects looked up by id here are 404 when they are
missing, in another organisation, or part of a goal the caller may not see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import overload

from django.db.models import Q

from cascade.api.errors import not_found
from cascade.goals.models import Contribution, Goal, GoalProgress, KeyResult, State
from cascade.goals.selectors import (
    GoalDetail,
    LinkRow,
    get_goal,
    key_result_rows,
    standing,
    visible_goals,
)
from cascade.goals.timeline import ProgressPoint, forecast_for
from cascade.integrations.source_state import SOURCE
from cascade.orgs.models import Member, Period, Team


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
            goal=goal,
            standing=standing(goal, actor.organisation, today),
            key_results=key_result_rows(key_results[goal.pk]),
            contributors=[
                LinkRow(link, link.junior, link.junior_id in visible)
                for link in links
                if link.senior_id == goal.pk
            ],
            parents=[
                LinkRow(link, link.senior, link.senior_id in visible)
                for link in links
                if link.junior_id == goal.pk
            ],
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


def goal_for(actor: Member, goal_id: int, field: str | None = None) -> Goal:
    """A goal the caller may see (``selectors.get_goal``), else 404 naming ``field`` if given."""
    if field is None:
        return get_goal(actor, goal_id)
    goal = visible_goals(actor).filter(pk=goal_id).first()
    if goal is None:
        raise not_found("No such goal.", field)
    return goal


def key_result_for(actor: Member, key_result_id: int, field: str | None = None) -> KeyResult:
    """A key result of a goal the caller may see."""
    kr = (
        KeyResult.objects.select_related("goal")
        .filter(pk=key_result_id, goal__in=visible_goals(actor))
        .first()
    )
    if kr is None:
        raise not_found("No such key result.", field)
    return kr


def contribution_for(actor: Member, contribution_id: int) -> Contribution:
    """A link between two goals the caller may both see."""
    visible = visible_goals(actor)
    link = (
        Contribution.objects.select_related("junior", "senior")
        .filter(pk=contribution_id, junior__in=visible, senior__in=visible)
        .first()
    )
    if link is None:
        raise not_found("No such contribution.")
    return link


@overload
def member_for(actor: Member, member_id: int, field: str | None = None) -> Member: ...
@overload
def member_for(actor: Member, member_id: int | None, field: str | None = None) -> Member | None: ...
def member_for(actor: Member, member_id: int | None, field: str | None = None) -> Member | None:
    if member_id is None:
        return None
    member = (
        Member.objects.select_related("user", "manager__user")
        .filter(pk=member_id, organisation_id=actor.organisation_id)
        .first()
    )
    if member is None:
        raise not_found("No such member.", field)
    return member


@overload
def team_for(actor: Member, team_id: int, field: str | None = None) -> Team: ...
@overload
def team_for(actor: Member, team_id: int | None, field: str | None = None) -> Team | None: ...
def team_for(actor: Member, team_id: int | None, field: str | None = None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id, organisation_id=actor.organisation_id).first()
    if team is None:
        raise not_found("No such team.", field)
    return team


@overload
def period_for(actor: Member, period_id: int, field: str | None = None) -> Period: ...
@overload
def period_for(actor: Member, period_id: int | None, field: str | None = None) -> Period | None: ...
def period_for(actor: Member, period_id: int | None, field: str | None = None) -> Period | None:
    if period_id is None:
        return None
    period = Period.objects.filter(pk=period_id, organisation_id=actor.organisation_id).first()
    if period is None:
        raise not_found("No such period.", field)
    return period
