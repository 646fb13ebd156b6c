"""Reads of goals, tuned so that each page runs a fixed number of queries whatever its size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from cascade import permissions
from cascade.goals.models import Contribution, Goal, State
from cascade.orgs.models import Member, Organisation, Period
from cascade.progress import Status, expected_progress, status


@dataclass(frozen=True)
class Standing:
    """Progress against time: what is expected by today and the resulting status."""

    expected: float
    status: Status | None


def standing(goal: Goal, organisation: Organisation, today: date) -> Standing:
    expected = expected_progress(goal.starts, goal.ends, today)
    return Standing(
        expected=expected,
        status=status(
            goal.progress,
            expected,
            float(organisation.at_risk_margin),
            float(organisation.off_track_margin),
        ),
    )


def current_period(organisation_id: int, today: date) -> Period | None:
    """The shortest period containing today (the quarter rather than the year), else the latest."""
    periods = list(Period.objects.filter(organisation_id=organisation_id))
    containing = [p for p in periods if p.start <= today <= p.end]
    if containing:
        return min(containing, key=lambda p: (p.end - p.start, p.start))
    return max(periods, key=lambda p: p.end, default=None)


def visible_goals(actor: Member) -> QuerySet[Goal]:
    """The goals of the actor's organisation that the actor may see."""
    return Goal.objects.filter(
        Q(organisation_id=actor.organisation_id) & permissions.visible_goals(actor)
    )


@dataclass
class TreeNode:
    goal: Goal
    standing: Standing
    weight: float | None = None  # the weight of the link to the parent node
    children: list[TreeNode] = field(default_factory=list)


def goal_tree(actor: Member, period: Period, today: date) -> list[TreeNode]:
    """The visible goals of the period, and of the periods around it (the year of a quarter), as a
    forest: top goals first, each with its contributors below.

    Three queries whatever the number of goals. A goal that contributes to two senior goals
    appears under both.
    """
    goals = {
        g.pk: g
        for g in visible_goals(actor)
        .filter(period__start__lte=period.end, period__end__gte=period.start)
        .exclude(state=State.ARCHIVED)
        .select_related("owner__user", "team", "period")
        .order_by("title")
    }
    links = Contribution.objects.filter(senior_id__in=goals, junior_id__in=goals).values_list(
        "junior_id", "senior_id", "weight"
    )
    below: dict[int, list[tuple[int, float]]] = defaultdict(list)
    juniors = set()
    for junior, senior, weight in links:
        below[senior].append((junior, float(weight)))
        juniors.add(junior)
    organisation = actor.organisation

    def node(goal_id: int, weight: float | None, path: frozenset[int]) -> TreeNode:
        goal = goals[goal_id]
        children = [
            node(child, w, path | {child})
            for child, w in sorted(below[goal_id], key=lambda item: goals[item[0]].title)
            if child not in path
        ]
        return TreeNode(goal, standing(goal, organisation, today), weight, children)

    return [
        node(goal_id, None, frozenset({goal_id})) for goal_id in goals if goal_id not in juniors
    ]
