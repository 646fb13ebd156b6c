"""What a change would do to the goals above, before it is made: reads only, no writes.

Linking a junior at 0 % lowers every goal above it. The align form shows these moves first, so
nobody drops the CEO's goal by surprise. The numbers come from the rollup's own graph read and
the pure rules of ``cascade.progress`` on the would-be graph, the same as saving would use.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from cascade.goals import rollup
from cascade.goals.models import Contribution, Goal
from cascade.goals.selectors import visible_goals
from cascade.orgs.models import Member
from cascade.progress import CycleError, GoalNode, GoalState, Link, evaluate


@dataclass(frozen=True)
class Move:
    """A goal whose progress a change would move."""

    goal: Goal
    before: float | None
    after: float | None


def alignment_preview(
    actor: Member, *, junior: Goal, senior: Goal, weight: Decimal
) -> list[Move] | None:
    """The goals the actor may see whose progress would change if ``junior`` were aligned under
    ``senior`` with ``weight``: the senior and every goal above it, nearest first.

    ``None`` when the link cannot be made as it stands (it exists already, or it would close a
    cycle): then there is nothing to preview, and the service says why when asked to save.
    Seven queries, none of them a write.
    """
    if Contribution.objects.filter(junior=junior, senior=senior).exists():
        return None
    above = rollup.goals_above([senior.pk])
    if Goal.objects.filter(pk=junior.pk, pk__in=above).exists():
        return None  # the junior is above the senior already: the link would close a cycle
    # Stored values, read now: the rows the caller holds may be older than the last check-in.
    goals = {
        pk: GoalNode(pk, GoalState(state), stored)
        for pk, state, stored in Goal.objects.filter(organisation_id=actor.organisation_id)
        .filter(Q(pk__in=above) | Q(pk=senior.pk))
        .values_list("pk", "state", "progress")
    }
    targets = set(goals)
    key_results, links = rollup.read_graph(goals)
    state, stored = Goal.objects.values_list("state", "progress").get(pk=junior.pk)
    goals[junior.pk] = GoalNode(junior.pk, GoalState(state), stored)
    links.append(Link(junior.pk, senior.pk, float(weight)))
    try:
        explanations = evaluate(goals, key_results, links, recompute=targets)
    except CycleError:
        return None
    moved = {
        goal_id: explanation.progress
        for goal_id, explanation in explanations.items()
        if explanation.progress != goals[goal_id].progress
    }
    shown = visible_goals(actor).filter(pk__in=moved).select_related("owner__user")
    by_id = {goal.pk: goal for goal in shown}
    # Nearest first: the order evaluate computed them in is juniors before seniors.
    return [
        Move(by_id[goal_id], by_id[goal_id].progress, moved[goal_id])
        for goal_id in explanations
        if goal_id in by_id and goal_id in moved
    ]
